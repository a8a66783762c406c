"""Serial numbers and IMEIs of donated hardware: checked, normalised, unique everywhere."""

from __future__ import annotations

from stdnum import imei
from stdnum.exceptions import ValidationError

from services.donations.domain.errors import BadIdentifier

IMEI_CATEGORIES = frozenset({"smartphone", "feature_phone", "tablet", "mobile_internet_key"})
_DOUBLED = tuple(sum(divmod(2 * digit, 10)) for digit in range(10))  # Luhn: 2d, digits summed


def normalise_imei(raw: str) -> str:
    """The 15-digit IMEI as a string (leading zeros kept); its Luhn check digit must hold.

    An IMEISV (16 digits) has no check digit and a 14-digit number lacks it: both are refused,
    since neither can be checked against typing errors. Fifteen plain digits whose check digit
    holds are taken as they are (a file's usual row, checked here at a tenth of the cost);
    anything else is read by python-stdnum, which also says what is wrong.
    """
    if len(raw) == 15 and raw.isascii() and raw.isdigit() and _luhn_holds(raw):
        return raw
    try:
        number = imei.validate(raw)
    except ValidationError as exc:
        raise BadIdentifier(f"{raw!r} is not a valid IMEI ({exc.message})") from exc
    if len(number) != 15:
        raise BadIdentifier(f"{raw!r} is not a 15-digit IMEI with its check digit")
    return number


def _luhn_holds(digits: str) -> bool:
    total = sum(int(digit) for digit in digits[-1::-2])
    total += sum(_DOUBLED[int(digit)] for digit in digits[-2::-2])
    return total % 10 == 0


def normalise_serial(raw: str) -> str:
    value = raw.strip()
    if not value or len(value) > 64 or not value.isprintable():
        raise BadIdentifier(f"{raw!r} is not a usable serial number")
    return value


def duplicates(values: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated
