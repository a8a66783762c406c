"""The demo seed's marker (``DATA_DIR/demo-programme.json``): ``started`` before the first
step, ``done`` after the last; a start that finds ``started`` says the demo is half there
and how to start afresh, rather than take it for seeded. The programme itself is replaced by
a stand-in: no system, no database, no broker."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

from services.demo import seed
from services.demo.seed import MARKER, Summary, seed_once


class Interrupted(Exception):
    """A seed stopped half-way (Ctrl-C, a step refused)."""


class StandIn:
    """The programme's seed, recording what the marker said while it ran."""

    runs: list[str | None] = []
    interrupt = False

    def __init__(self, system) -> None:
        self.marker = system.data_dir / MARKER

    def run(self) -> Summary:
        StandIn.runs.append(seed.marker_state(self.marker))
        if StandIn.interrupt:
            raise Interrupted
        return Summary(donations=8, transfers=9, people=36, orders={"completed": 90}, seconds=7)


class NoOrganisation:
    """The seed's desk: the system holds no referring organisation yet."""

    def __init__(self, apps, principal) -> None:
        pass

    def get(self, service: str, path: str) -> dict:
        assert (service, path) == ("sales", "/organisations")
        return {"items": [], "total": 0}


@pytest.fixture
def system(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setattr(seed, "ProgrammeSeed", StandIn)
    monkeypatch.setattr(seed, "Desk", NoOrganisation)
    monkeypatch.setattr(StandIn, "runs", [])
    monkeypatch.setattr(StandIn, "interrupt", False)
    return SimpleNamespace(apps={}, data_dir=tmp_path)


def test_the_marker_says_started_while_seeding_then_done_with_the_summary(system):
    summary = seed_once(system)

    assert StandIn.runs == ["started"]
    written = json.loads((system.data_dir / MARKER).read_text())
    assert written["state"] == "done" and written["people"] == 36
    assert summary.donations == 8
    assert seed_once(system) is None and StandIn.runs == ["started"]  # seeded once only


def test_an_interrupted_seed_is_reported_with_the_directory_to_delete(system, caplog):
    StandIn.interrupt = True
    with pytest.raises(Interrupted):
        seed_once(system)
    assert seed.marker_state(system.data_dir / MARKER) == "started"

    StandIn.interrupt = False
    with caplog.at_level(logging.INFO, logger="demo"):
        assert seed_once(system) is None
    assert StandIn.runs == ["started"]  # not seeded again on top of the half demo
    [error] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert "interrupted" in error.getMessage()
    assert f"rm -r {system.data_dir}" in error.getMessage()
    assert not [r for r in caplog.records if "already there" in r.getMessage()]


def test_a_marker_of_an_earlier_release_or_unreadable(system):
    marker = system.data_dir / MARKER
    marker.write_text(json.dumps({"donations": 8, "people": 36, "seconds": 7.4}))
    assert seed.marker_state(marker) == "done"  # the summary alone: written once seeded
    assert seed_once(system) is None and StandIn.runs == []
    marker.write_text('{"state": "sta')
    assert seed.marker_state(marker) == "started"  # cut off: not a finished seed
