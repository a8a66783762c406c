"""The refurbishment rules, without a database: every legal and illegal transition."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from services.common.events.contracts import inventory as contract
from services.inventory.domain import records as r
from services.inventory.domain.errors import (
    BannedWording,
    DiagnosisIncomplete,
    IllegalTransition,
    InvalidRecord,
    RepairNeeded,
    WipeMissing,
    WrongRecord,
)
from services.inventory.domain.workflow import NEXT, History, State, transition

S = State
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ALL_PASS = r.Diagnosis(dict.fromkeys(r.FUNCTIONS, "pass"), battery_health_percent=91)
OPERATOR = r.Operator("Zoé Martin", "Technicienne", NOW - timedelta(hours=1), "Atelier Paris")
WIPE = r.Wipe(
    "purge",
    "crypto_erase",
    "Blancco",
    "7.3",
    "full",
    "flash memory",
    "donated by partner",
    "reuse",
    OPERATOR,
    replace(OPERATOR, at=NOW - timedelta(minutes=30)),
)
REPAIR = r.Repair(parts=(r.Part("screen"),), labour_minutes=20, cost_cents=3500)
GRADE = r.Grade("A", 1, label="Galaxy S9 - très bon état")
SCRAP = r.Scrap("board dead", "Ecosystem", "ECO-42")
WIPED = History(wiped=True)

LEGAL = [
    (S.RECEIVED, S.DIAGNOSING, None, History(), "diagnosis_started"),
    (S.DIAGNOSING, S.WIPING, ALL_PASS, History(), "diagnosed"),
    (S.WIPING, S.REPAIRING, WIPE, History(), "wiped"),
    (S.WIPING, S.GRADING, WIPE, History(), "wiped"),
    (S.REPAIRING, S.GRADING, REPAIR, WIPED, "repaired"),
    (S.GRADING, S.REPAIRING, None, WIPED, "sent_back_to_repair"),
    (S.GRADING, S.AVAILABLE, GRADE, WIPED, "made_available"),
    *[(state, S.SCRAPPED, SCRAP, WIPED, "scrapped") for state in S if state is not S.SCRAPPED],
]
LEGAL_PAIRS = {(current, target) for current, target, *_ in LEGAL}
ILLEGAL_PAIRS = sorted(set(product(S, S)) - LEGAL_PAIRS)


@pytest.mark.parametrize("current, target, record, history, fact", LEGAL)
def test_legal_transition_names_its_fact(current, target, record, history, fact):
    assert transition(current, target, record, history, NOW) == fact


@pytest.mark.parametrize("current, target", ILLEGAL_PAIRS)
def test_illegal_transition_says_current_and_allowed_states(current, target):
    with pytest.raises(IllegalTransition) as refused:
        transition(current, target, None, WIPED, NOW)
    assert refused.value.details() == {
        "current_state": current.value,
        "requested_state": target.value,
        "allowed_next_states": [state.value for state in NEXT[current]],
    }


def test_the_table_has_exactly_the_documented_transitions():
    assert {(a, b) for a, nexts in NEXT.items() for b in nexts} == LEGAL_PAIRS
    assert len(ILLEGAL_PAIRS) == 7 * 7 - len(LEGAL_PAIRS)


def test_scrapped_is_final():
    assert NEXT[S.SCRAPPED] == ()


def test_no_device_becomes_available_without_a_wipe_record():
    with pytest.raises(WipeMissing):
        transition(S.GRADING, S.AVAILABLE, GRADE, History(wiped=False), NOW)


def test_repairing_is_skipped_only_when_no_function_failed():
    history = History(failed_functions=("camera",))
    with pytest.raises(RepairNeeded) as refused:
        transition(S.WIPING, S.GRADING, WIPE, history, NOW)
    assert refused.value.details() == {"failed_functions": ["camera"]}
    assert transition(S.WIPING, S.REPAIRING, WIPE, history, NOW) == "wiped"


@pytest.mark.parametrize(
    "current, target, record",
    [
        (S.DIAGNOSING, S.WIPING, None),
        (S.WIPING, S.GRADING, None),
        (S.WIPING, S.GRADING, ALL_PASS),
        (S.REPAIRING, S.GRADING, None),
        (S.GRADING, S.AVAILABLE, None),
        (S.RECEIVED, S.SCRAPPED, None),
        (S.RECEIVED, S.DIAGNOSING, GRADE),
        (S.GRADING, S.REPAIRING, REPAIR),
    ],
)
def test_each_transition_takes_the_record_of_the_step_it_ends(current, target, record):
    with pytest.raises(WrongRecord):
        transition(current, target, record, WIPED, NOW)


def test_a_device_cannot_leave_diagnosing_with_an_untested_function():
    partial = r.Diagnosis({"screen": "pass", "battery": "pass"}, battery_health_percent=80)
    with pytest.raises(DiagnosisIncomplete) as refused:
        transition(S.DIAGNOSING, S.WIPING, partial, History(), NOW)
    assert refused.value.untested == [
        "charging",
        "radio_wifi",
        "camera",
        "audio",
        "buttons",
        "storage",
    ]


def test_not_applicable_is_an_answer_and_a_failure_is_listed():
    key = r.Diagnosis(
        {**dict.fromkeys(r.FUNCTIONS, "not_applicable"), "radio_wifi": "fail", "storage": "pass"}
    )
    key.validate(NOW)
    assert key.failed() == ["radio_wifi"]


@pytest.mark.parametrize(
    "battery, percent", [("pass", None), ("fail", None), ("not_applicable", 50)]
)
def test_battery_health_goes_with_a_tested_battery_only(battery, percent):
    diagnosis = r.Diagnosis({**ALL_PASS.results, "battery": battery}, percent)
    with pytest.raises(InvalidRecord):
        diagnosis.validate(NOW)


def test_wipe_verification_cannot_precede_the_wipe_or_be_in_the_future():
    early = replace(WIPE, verified_by=replace(OPERATOR, at=OPERATOR.at - timedelta(minutes=1)))
    future = replace(WIPE, verified_by=replace(OPERATOR, at=NOW + timedelta(hours=1)))
    for wipe in (early, future):
        with pytest.raises(InvalidRecord):
            wipe.validate(NOW)


def test_a_repair_uses_parts_or_labour():
    with pytest.raises(InvalidRecord):
        r.Repair(cost_cents=100).validate(NOW)
    r.Repair(labour_minutes=5).validate(NOW)


@pytest.mark.parametrize(
    "text",
    [
        "Comme neuf",
        "iPhone 8 - COMME-NEUF !",
        "à l'état neuf",
        "Etat Neuf",
        "ÉTAT NEUF",
        "comme neuve",
        "Like new",
        "like-new condition",
        "LikeNew",
    ],
)
def test_like_new_wording_is_refused_in_what_buyers_read(text):
    for grade in (replace(GRADE, label=text), replace(GRADE, buyer_note=text)):
        with pytest.raises(BannedWording):
            grade.validate(NOW)


@pytest.mark.parametrize("text", ["Très bon état", "neuf mois de garantie", "reconditionné"])
def test_ordinary_wording_is_accepted(text):
    replace(GRADE, label=text, buyer_note=text).validate(NOW)


def test_functional_grade_three_tells_the_buyer_what_fails():
    with pytest.raises(InvalidRecord):
        r.Grade("C", 3).validate(NOW)
    r.Grade("C", 3, buyer_note="Appareil photo hors service").validate(NOW)


def test_domain_vocabulary_matches_the_published_contract():
    assert tuple(state.value for state in State) == contract.DEVICE_STATES
    assert r.COSMETIC_GRADES == contract.COSMETIC_GRADES
    assert r.FUNCTIONAL_GRADES == contract.FUNCTIONAL_GRADES
    assert r.SANITISATION_LEVELS == contract.SANITISATION_LEVELS
