"""Bounded waits on a key (``services/common/waits.py``) on SQLite, where nothing listens: a
wake-up ends the wait at once, even one that came before the wait began; without one, the
state is read again only on the poll; on time out, the last value read is the answer."""

from __future__ import annotations

import threading
import time

import pytest

from services.common.waits import KeyWaits


@pytest.fixture
def waits(tmp_path):
    waits = KeyWaits(f"sqlite:///{tmp_path / 'sales.db'}", "sales_order_changed", poll_seconds=5)
    assert waits.listener is None and waits.poll_seconds == 5
    return waits


class State:
    """The state waited on: reads are counted and timed from the start."""

    def __init__(self, value=False) -> None:
        self.value = value
        self.started = time.monotonic()
        self.reads: list[float] = []

    def read(self):
        self.reads.append(time.monotonic() - self.started)
        return self.value


def later(seconds: float, action) -> threading.Thread:
    def run() -> None:
        time.sleep(seconds)
        action()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_wake_up_from_another_thread_ends_the_wait_long_before_the_poll(waits):
    state = State()

    def decide() -> None:
        state.value = True
        waits.waiters.wake("order-1")

    with waits.watching("order-1") as watch:
        thread = later(0.2, decide)
        assert watch.read_until(state.read, bool, seconds=10) is True
    thread.join()
    assert state.reads[-1] < 2
    assert len(state.reads) == 2  # once at once, once on the wake-up


def test_a_wake_up_of_another_key_does_not_end_the_wait(waits):
    state = State("pending")
    with waits.watching("order-1") as watch:
        thread = later(0.1, lambda: waits.waiters.wake("order-2"))
        watch.poll_seconds = 0.5
        assert watch.read_until(state.read, lambda value: value != "pending", 0.8) == "pending"
    thread.join()
    assert state.reads[1] >= 0.45  # the next read came with the poll, not the other wake-up
    assert state.reads[-1] >= 0.8


def test_not_first_pauses_for_the_poll_before_the_first_read(waits):
    waits.poll_seconds = 0.5
    state = State(True)
    with waits.watching("order-1") as watch:
        assert watch.read_until(state.read, bool, seconds=10, first=False) is True
    [read_at] = state.reads
    assert 0.45 <= read_at < 2


def test_on_time_out_the_last_value_read_is_the_answer(waits):
    waits.poll_seconds = 0.1
    counter = iter(range(1, 1000))
    reads = []

    def read() -> int:
        reads.append(next(counter))
        return reads[-1]

    started = time.monotonic()
    with waits.watching("order-1") as watch:
        answer = watch.read_until(read, lambda value: False, seconds=0.5)
    elapsed = time.monotonic() - started
    assert answer == reads[-1] and len(reads) >= 3
    assert 0.5 <= elapsed < 2


def test_a_wake_up_before_the_wait_begins_is_not_lost(waits):
    state = State()
    with waits.watching("order-1") as watch:
        state.value = True  # the worker commits and wakes before the request begins its wait
        waits.waiters.wake("order-1")
        assert watch.read_until(state.read, bool, seconds=10, first=False) is True
    assert state.reads[0] < 2


def test_a_wake_up_while_reading_is_not_lost(waits):
    state = State()

    def read():
        value = state.read()
        if len(state.reads) == 1:  # the change commits just after this read saw "not yet"
            state.value = True
            waits.waiters.wake("order-1")
        return value

    with waits.watching("order-1") as watch:
        assert watch.read_until(read, bool, seconds=10) is True
    assert len(state.reads) == 2 and state.reads[-1] < 2


def test_wait_returns_once_it_holds(waits):
    state = State()
    thread = later(0.2, lambda: (setattr(state, "value", True), waits.waiters.wake("order-1")))
    waits.wait("order-1", 10, state.read)
    thread.join()
    assert state.value is True and state.reads[-1] < 2
