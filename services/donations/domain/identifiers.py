"""Serial numbers and IMEIs of donated hardware: checked, normalised, unique everywhere."""

from __future__ import annotations

from stdnum import imei
from stdnum.exceptions import ValidationError

from services.donations.domain.errors import BadIdentifier

IMEI_CATEGORIES = frozenset({"smartphone", "feature_phone", "tablet", "mobile_internet_key"})


def normalise_imei(raw: str) -> str:
    """The 15-digit IMEI as a string (leading zeros kept); its Luhn check digit must hold.

    An IMEISV (16 digits) has no check digit and a 14-digit number lacks it: both are refused,
    since neither can be checked against typing errors.
    """
    try:
        number = imei.validate(raw)
    except ValidationError as exc:
        raise BadIdentifier(f"{raw!r} is not a valid IMEI ({exc.message})") from exc
    if len(number) != 15:
        raise BadIdentifier(f"{raw!r} is not a 15-digit IMEI with its check digit")
    return number


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
