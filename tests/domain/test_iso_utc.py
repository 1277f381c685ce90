"""``iso_utc``: the platform's timestamp shape, the same text whether formatted fresh or remembered."""

from __future__ import annotations

import pytest

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
