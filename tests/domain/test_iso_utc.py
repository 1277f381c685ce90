"""``iso_utc``: the platform's timestamp shape, milliseconds truncated as upstream shows them, and ``Z``."""

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
        (32503680000.0, True, "3000-01-01T00:00:00.000Z"),
    ],
)
def test_iso_utc_shape(epoch: float, millis: bool, text: str) -> None:
    assert iso_utc(epoch, millis=millis) == text
