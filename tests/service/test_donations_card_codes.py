"""Card codes: sealed on arrival, never readable by donations, forwarded to inventory once.

An upload's answer never depends on other partners' codes: a PIN another partner donated is
accepted like a fresh one and quarantined, never forwarded.
"""

from __future__ import annotations

import logging
import tracemalloc

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from services.common.card_codes import SealedCode
from services.common.events.envelope import parse_event
from services.donations.domain.events import CODES_PER_EVENT
from services.donations.domain.files import MAX_CODE_ROWS
from services.donations.models import CardCode, CardCodeBatch, DonationLine, metadata
from tests.support.auth import as_partner
from tests.support.donation_sites import SITE_ID  # opened by inventory: donations accept it
from tests.support.donations_api import announce, register_partner
from tests.support.services import schema_differences
from tests.support.streams import GeneratedFile

PINS = ["4820-1937-5561", "7731-0048-2219", "1002-3004-5006"]


def cards(quantity: int, **more) -> dict:
    return {
        "kind": "prepaid_cards",
        "quantity": quantity,
        "operator": "Op",
        "product_name": "Recharge 5 EUR",
        "face_value_cents": 500,
        "expiry_date": "2099-01-31",
        **more,
    }


def new_partner(client, name: str) -> str:
    return client.post("/partners", json={"name": name, "kind": "telecom_operator"}).get_json()[
        "id"
    ]


def announce_cards(client, quantity: int, partner_name: str = "Op") -> dict:
    body = {
        "partner_id": new_partner(client, partner_name),
        "site_id": SITE_ID,
        "lines": [cards(quantity)],
    }
    return client.post("/donations", json=body).get_json()


def announce_as(client, partner_id: str, line: dict):
    """A partner key announces one line of its own partner's."""
    body = {"partner_id": partner_id, "site_id": SITE_ID, "lines": [line]}
    return client.post("/donations", json=body, headers=as_partner(partner_id))


@pytest.fixture
def card_line(donations):
    _, client = donations
    return announce_cards(client, 2000)


def upload(client, donation, text: str, headers=None):
    line_id = donation["lines"][0]["id"]
    return client.put(
        f"/donations/{donation['id']}/lines/{line_id}/codes",
        data=text.encode(),
        content_type="text/csv",
        headers=headers,
    )


def receive(client, donation):
    line = donation["lines"][0]
    return client.post(
        f"/donations/{donation['id']}/reception",
        json={"lines": [{"line_id": line["id"], "received_quantity": line["expected_quantity"]}]},
    )


def sealed_events(runtime):
    outbox = runtime.tables.outbox
    with runtime.engine.connect() as connection:
        bodies = connection.scalars(
            select(outbox.c.body)
            .where(outbox.c.event_type == "donations.card_codes.sealed")
            .order_by(outbox.c.id)
        ).all()
    return [parse_event(body) for body in bodies]


def all_text_written(runtime) -> str:
    """Every row of every table, and every outbox body, as one string."""
    chunks = []
    with runtime.engine.connect() as connection:
        for table in runtime.metadata.sorted_tables:
            chunks += [repr(tuple(row)) for row in connection.execute(select(table))]
    return "\n".join(chunks)


def test_codes_are_sealed_and_donations_cannot_read_them_back(donations, card_line, caplog):
    runtime, client = donations
    caplog.set_level(logging.DEBUG)
    rows = "\n".join(f"SER-{n},{pin}" for n, pin in enumerate(PINS))
    response = upload(client, card_line, f"serial,pin\n{rows}\n")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"accepted": 3, "rows_read": 3}
    everything = all_text_written(runtime) + caplog.text + response.get_data(as_text=True)
    for pin in PINS:
        assert pin not in everything
        assert pin.replace("-", "") not in everything


def test_sealed_codes_reach_inventory_at_reception_and_only_its_key_opens_them(
    donations, card_line, card_code_keys
):
    runtime, client = donations
    upload(client, card_line, "serial,pin\n" + "\n".join(f"S{n},{p}" for n, p in enumerate(PINS)))
    assert sealed_events(runtime) == []  # not before the donation is received
    assert receive(client, card_line).status_code == 200
    [event] = sealed_events(runtime)
    assert event.data["line_id"] == card_line["lines"][0]["id"]
    data_key = card_code_keys.unwrap(event.data["wrapped_key"])
    opened = [
        card_code_keys.open(data_key, SealedCode(c["serial"], c["nonce"], c["ciphertext"]))
        for c in event.data["codes"]
    ]
    assert opened == PINS
    assert all(c["expiry_date"] == "2099-01-31" for c in event.data["codes"])
    assert receive(client, card_line).status_code == 409
    assert len(sealed_events(runtime)) == 1  # forwarded once


def test_codes_uploaded_after_reception_are_forwarded_at_once_in_parts(donations, card_line):
    runtime, client = donations
    receive(client, card_line)
    count = CODES_PER_EVENT + 5
    rows = "\n".join(f"S{n},PIN{n:08d}" for n in range(count))
    assert upload(client, card_line, f"serial,pin\n{rows}\n").status_code == 200
    events = sealed_events(runtime)
    assert [(e.data["part"], e.data["parts"]) for e in events] == [(1, 2), (2, 2)]
    assert sum(len(e.data["codes"]) for e in events) == count


def test_a_ciphertext_moved_to_another_card_does_not_open(donations, card_line, card_code_keys):
    runtime, client = donations
    upload(client, card_line, f"serial,pin\nA,{PINS[0]}\nB,{PINS[1]}\n")
    receive(client, card_line)
    [event] = sealed_events(runtime)
    first, second = event.data["codes"]
    data_key = card_code_keys.unwrap(event.data["wrapped_key"])
    with pytest.raises(Exception):  # noqa: B017 - AES-GCM refuses: the serial is authenticated
        card_code_keys.open(
            data_key, SealedCode(second["serial"], first["nonce"], first["ciphertext"])
        )


def test_bad_rows_are_all_reported_by_serial_never_by_pin(donations, card_line):
    runtime, client = donations
    assert upload(client, card_line, f"serial,pin\nOLD,{PINS[2]}\n").status_code == 200
    text = "\n".join(
        [
            "serial,pin,expiry_date",
            f"S1,{PINS[0]},",
            f"S2,{PINS[0]},",  # same PIN twice in the file
            f"S3,{PINS[2]},",  # donated before
            "S4,12,",  # malformed PIN
            f"S5,{PINS[1]},2001-01-01",  # expired
            f"S6,{PINS[1]}x,2024-02-30",  # not a date
            f",{PINS[1]}y,",  # no serial
        ]
    )
    response = upload(client, card_line, text)
    assert response.status_code == 422
    problem = response.get_json()
    assert sorted(bad["row"] for bad in problem["bad_rows"]) == [3, 4, 5, 6, 7, 8]
    body = response.get_data(as_text=True)
    assert all(pin not in body for pin in PINS)
    with runtime.session_factory() as session:
        assert len(session.scalars(select(CardCode)).all()) == 1  # only the earlier file


def test_more_codes_than_cards_is_refused(donations):
    _, client = donations
    donation = announce_cards(client, 1, partner_name="Op2")
    response = upload(client, donation, f"serial,pin\nA,{PINS[0]}\nB,{PINS[1]}\n")
    assert response.status_code == 422
    assert "2 codes for 1 cards" in response.get_data(as_text=True)


def test_codes_belong_to_card_lines_only(donations):
    _, client = donations
    laptop = {"kind": "hardware_lot", "category": "laptop", "quantity": 1}
    donation = announce(client, register_partner(client, "Op3")["id"], laptop)
    response = upload(client, donation, f"serial,pin\nA,{PINS[0]}\n")
    assert (response.status_code, response.get_json()["code"]) == (422, "wrong-line-kind")


def test_100k_cards_go_as_two_files_at_the_cap_each_in_bounded_memory(donations, capsys):
    runtime, client = donations
    donation = announce_cards(client, 2 * MAX_CODE_ROWS, partner_name="Big")
    line_id = donation["lines"][0]["id"]
    peaks = []
    for part in range(2):
        numbers = range(part * MAX_CODE_ROWS, (part + 1) * MAX_CODE_ROWS)
        tracemalloc.start()
        response = client.put(
            f"/donations/{donation['id']}/lines/{line_id}/codes",
            data=GeneratedFile(
                "serial,pin\n", (f"CARD-{n:09d},{n:012d}-{n % 97:02d}\n" for n in numbers)
            ).stream(),
            content_type="text/csv",
        )
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["accepted"] == MAX_CODE_ROWS
    with runtime.session_factory() as session:  # each file adds a batch to the line
        assert session.scalar(select(func.count()).where(CardCode.line_id == line_id)) == (
            2 * MAX_CODE_ROWS
        )
    with capsys.disabled():
        shown = ", ".join(f"{peak / 2**20:.1f}" for peak in peaks)
        print(f"\n2 x {MAX_CODE_ROWS:,}-row card-code files: peak Python allocations {shown} MiB")
    assert max(peaks) < 48 * 2**20  # one chunk plus the hashes and serials seen; not the file


def test_codes_given_with_the_announcement_are_sealed_like_a_file(donations):
    runtime, client = donations
    partner = client.post("/partners", json={"name": "Inline", "kind": "telecom_operator"})
    line = {
        "kind": "prepaid_cards",
        "quantity": 2,
        "operator": "Op",
        "product_name": "Recharge 5 EUR",
        "face_value_cents": 500,
        "expiry_date": "2099-01-31",
        "codes": [{"serial": "A", "pin": PINS[0]}, {"serial": "B", "pin": PINS[1]}],
    }
    body = {"partner_id": partner.get_json()["id"], "site_id": SITE_ID, "lines": [line]}
    response = client.post("/donations", json=body)
    assert response.status_code == 201, response.get_json()
    assert PINS[0] not in response.get_data(as_text=True)
    assert PINS[0] not in all_text_written(runtime)
    with runtime.session_factory() as session:
        assert len(session.scalars(select(CardCode)).all()) == 2

    line["codes"] = [{"serial": "C", "pin": PINS[0]}]  # donated before
    refused = client.post("/donations", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["bad_rows"][0]["value"] == "C"
    assert PINS[0] not in refused.get_data(as_text=True)


# a PIN another partner donated: no oracle -----------------------------------------------------

IDS = {"id", "announced_at", "request_id"}


def without_ids(body):
    """A response body with what differs between any two requests (ids, times) taken out."""
    if isinstance(body, dict):
        return {key: without_ids(value) for key, value in body.items() if key not in IDS}
    if isinstance(body, list):
        return [without_ids(value) for value in body]
    return body


def answer(response) -> tuple[int, object]:
    return response.status_code, without_ids(response.get_json())


def forwarded_codes(runtime) -> list[dict]:
    return [code for sealed in sealed_events(runtime) for code in sealed.data["codes"]]


def test_a_pin_another_partner_donated_gets_the_answer_a_fresh_pin_gets(
    donations, card_code_keys, caplog
):
    runtime, client = donations
    alpha, beta = new_partner(client, "Alpha"), new_partner(client, "Beta")
    alphas = announce_as(client, alpha, cards(1)).get_json()
    assert (
        upload(client, alphas, f"serial,pin\nA-1,{PINS[0]}\n", as_partner(alpha)).status_code == 200
    )
    files = [
        "serial,pin\nS-1,{pin}\nS-2,12\n",  # refused for its malformed row 3 only
        "serial,pin\nS-1,{pin}\n",  # accepted: 1 code for 3 cards
        "serial,pin\nS-9,{pin}\n",  # the partner's own code again: refused by row
        "serial,pin\nS-2,{fresh}1\nS-3,{fresh}2\nS-4,{fresh}3\n",  # 4 codes for 3 cards
        "serial,pin\nS-2,{fresh}1\nS-3,{fresh}2\n",  # accepted: the line is full
    ]
    worlds = {"probe": PINS[0], "control": PINS[1]}  # Alpha's PIN, a PIN nobody donated
    answers, lines = {}, {}
    caplog.set_level(logging.WARNING, logger="services.donations.handlers")
    for world, pin in worlds.items():
        donation = announce_as(client, beta, cards(3)).get_json()
        lines[world] = donation["lines"][0]["id"]
        fresh = f"{world}-"
        answers[world] = [
            answer(upload(client, donation, text.format(pin=pin, fresh=fresh), as_partner(beta)))
            for text in files
        ]
        assert receive(client, donation).status_code == 200
    assert answers["probe"] == answers["control"]
    assert [status for status, _ in answers["probe"]] == [422, 200, 422, 422, 200]
    assert answers["probe"][2][1]["bad_rows"] == [
        {"row": 2, "value": "S-9", "problem": "card code donated before"}
    ]

    with runtime.session_factory() as session:
        quarantined = session.scalars(select(CardCode).where(CardCode.quarantined)).all()
    assert [(code.line_id, code.serial) for code in quarantined] == [(lines["probe"], "S-1")]
    forwarded = forwarded_codes(runtime)
    assert quarantined[0].id not in {code["code_id"] for code in forwarded}
    assert [code["serial"] for code in forwarded].count("S-1") == 1  # the control's only
    alphas_pin = card_code_keys.keyed_hash(PINS[0])
    assert [code["serial"] for code in forwarded if code["pin_hash"] == alphas_pin] == []
    assert receive(client, alphas).status_code == 200
    assert [c["serial"] for c in forwarded_codes(runtime) if c["pin_hash"] == alphas_pin] == ["A-1"]

    [warning] = [r for r in caplog.records if r.name == "services.donations.handlers"]
    assert "S-1" in warning.getMessage() and lines["probe"] in warning.getMessage()
    assert PINS[0] not in caplog.text and alphas_pin not in caplog.text


def test_a_pin_another_partner_donated_is_announced_like_a_fresh_one(donations):
    runtime, client = donations
    alpha, beta = new_partner(client, "Alpha"), new_partner(client, "Beta")
    alphas = announce_as(client, alpha, cards(1, codes=[{"serial": "A", "pin": PINS[0]}]))
    assert alphas.status_code == 201
    answers = [
        answer(announce_as(client, beta, cards(2, codes=[{"serial": "B", "pin": pin}])))
        for pin in (PINS[0], PINS[1])  # Alpha's PIN, then a PIN nobody donated
    ]
    assert answers[0] == answers[1]
    assert answers[0][0] == 201
    with runtime.session_factory() as session:
        assert session.scalars(select(CardCode.serial).where(CardCode.quarantined)).all() == ["B"]


def test_a_partner_sending_its_own_code_again_is_refused_by_row(donations):
    runtime, client = donations
    alpha = new_partner(client, "Alpha")
    first, second = (announce_as(client, alpha, cards(2)).get_json() for _ in range(2))
    assert (
        upload(client, first, f"serial,pin\nA-1,{PINS[0]}\n", as_partner(alpha)).status_code == 200
    )
    response = upload(
        client, second, f"serial,pin\nA-2,{PINS[1]}\nA-3,{PINS[0]}\n", as_partner(alpha)
    )
    assert response.status_code == 422
    assert response.get_json()["bad_rows"] == [
        {"row": 3, "value": "A-3", "problem": "card code donated before"}
    ]
    with runtime.session_factory() as session:
        assert session.scalars(select(CardCode.serial)).all() == ["A-1"]


def test_a_file_with_more_rows_than_cards_left_is_refused_before_any_pin_is_compared(donations):
    runtime, client = donations
    donation = announce_cards(client, 1500)
    assert upload(client, donation, f"serial,pin\nA,{PINS[0]}\n").status_code == 200
    lookups = []

    def record(_connection, _cursor, statement, *_):
        if "pin_hash" in statement and not statement.lstrip().upper().startswith("INSERT"):
            lookups.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        response = client.put(
            f"/donations/{donation['id']}/lines/{donation['lines'][0]['id']}/codes",
            data=GeneratedFile(
                f"serial,pin\nB,{PINS[0]}\n",  # a code donated before: not even looked at
                (f"C{n},{n:012d}\n" for n in range(CODES_PER_EVENT + 600)),
            ).stream(),
            content_type="text/csv",
        )
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["detail"].startswith("1501 codes for 1500 cards on this line")
    assert (problem["bad_rows"], problem["bad_row_count"], problem["read_to_end"]) == ([], 0, False)
    assert lookups == []
    with runtime.session_factory() as session:
        assert session.scalars(select(CardCode.serial)).all() == ["A"]


def test_more_codes_than_cards_given_with_the_announcement_are_refused(donations):
    _, client = donations
    alpha = new_partner(client, "Alpha")
    codes = [{"serial": "A", "pin": PINS[0]}, {"serial": "B", "pin": PINS[1]}]
    response = announce_as(client, alpha, cards(1, codes=codes))
    assert response.status_code == 422
    assert "2 given for 1 cards." in response.get_data(as_text=True)


def test_the_migrated_schema_matches_the_models(donations):
    runtime, _ = donations
    with runtime.engine.connect() as connection:
        assert schema_differences(connection, metadata) == []


def test_a_pin_is_unique_among_codes_in_circulation_only(donations, card_line):
    runtime, _ = donations

    def code(serial: str, quarantined: bool) -> CardCode:
        return CardCode(
            batch_id=batch.id,
            line_id=line.id,
            serial=serial,
            pin_hash="f" * 64,
            nonce="n",
            ciphertext="c",
            quarantined=quarantined,
        )

    with runtime.session_factory() as session:
        line = session.get(DonationLine, card_line["lines"][0]["id"])
        batch = CardCodeBatch(line_id=line.id, wrapped_key="k")
        session.add(batch)
        session.flush()
        session.add_all([code("A", False), code("B", True), code("C", True)])
        session.commit()
        session.add(code("D", False))
        with pytest.raises(IntegrityError):
            session.commit()
