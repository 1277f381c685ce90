"""``iso_utc``: the platform's timestamp shape, the same text whether formatted fresh or remembered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.clock import iso_utc


@pytest.mark.parametrize(
    ("epoch", "millis", "text"),
    [
        (0.0, True, "1970-01-01T00:00:00.000Z"),
        (1568217010.0, True, "2019-09-11T15:50:10.000Z"),
        (1568217010.25, True, "2019-09-11T15:50:10.250Z"),
        (1568217010.9999, True, "2019-09-11T15:50:10.999Z"),
        (1568217010.9999, False, "2019-09-11T15:50:10Z"),
        (951782400.0, False, "2000-02-29T00:00:00Z"),
    ],
)
def test_iso_utc_shape(epoch: float, millis: bool, text: str) -> None:
    assert iso_utc(epoch, millis=millis) == text
    # The second call is answered from the memo and must not differ.
    assert iso_utc(epoch, millis=millis) == text


def test_iso_utc_millis_and_whole_seconds_are_remembered_apart() -> None:
    assert iso_utc(1568217010.5) == "2019-09-11T15:50:10.500Z"
    assert iso_utc(1568217010.5, millis=False) == "2019-09-11T15:50:10Z"


def reference(epoch: float, millis: bool) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{moment.microsecond // 1000:03d}Z" if millis else "Z")


@pytest.mark.parametrize("epoch", [1.9999995, 1.9999996, -0.5, -0.0000004, -1.9999996, 1568217010.0005, 2.5e-7])
def test_rounding_edges_match_datetime(epoch: float) -> None:
    for millis in (True, False):
        assert iso_utc(epoch, millis=millis) == reference(epoch, millis)


# From year 1653 to 9900: every instant reads as datetime.fromtimestamp reads it.
@given(st.floats(min_value=-1e10, max_value=2.5e11, allow_nan=False), st.booleans())
def test_iso_utc_matches_datetime(epoch: float, millis: bool) -> None:
    assert iso_utc(epoch, millis=millis) == reference(epoch, millis)
