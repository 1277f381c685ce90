from __future__ import annotations

import time

import pytest

from mock_server.clock import Clock, iso_utc


def test_clock_advances_freezes_and_returns_to_real_time() -> None:
    clock = Clock()
    assert clock.is_real
    clock.advance(3600)
    assert abs(clock.now() - (time.time() + 3600)) < 1
    clock.set(1000.0, freeze=True)
    assert clock.now() == 1000.0
    clock.advance(5)
    assert clock.now() == 1005.0
    clock.reset()
    assert clock.is_real
    assert abs(clock.now() - time.time()) < 1


def test_iso_utc_has_milliseconds_and_z() -> None:
    assert iso_utc(1568217010.5) == "2019-09-11T15:50:10.500Z"
    assert iso_utc(1568217010.5, millis=False) == "2019-09-11T15:50:10Z"


@pytest.mark.parametrize("instant", [-1.0, 33_000_000_000.0, float("nan"), float("inf")])
def test_the_clock_refuses_instants_outside_1970_to_3000_and_stays_put(instant: float) -> None:
    clock = Clock()
    clock.set(1000.0, freeze=True)
    with pytest.raises(ValueError, match="between 1970 and 3000"):
        clock.set(instant)
    with pytest.raises(ValueError, match="between 1970 and 3000"):
        clock.advance(instant - 1000.0)  # to the same instant from 1000.0
    assert clock.now() == 1000.0
