"""The one clock of the emulator.

Quota windows, token expiry and timestamps all read it, so a test can move time instead of sleeping.
It follows real time shifted by an offset, or stands still at a frozen instant.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

# Beyond these the calendar arithmetic of quota windows and timestamps overflows.
EARLIEST, LATEST = 0.0, datetime(3001, 1, 1, tzinfo=UTC).timestamp()


def _within_range(instant: float) -> None:
    if not EARLIEST <= instant < LATEST:
        raise ValueError(f"the clock can be set between 1970 and 3000 only, not to epoch {instant:.0f}")


class Clock:
    """Real time plus an adjustable offset; ``freeze`` pins it, ``reset`` returns to real time.

    ``set`` and ``advance`` refuse (``ValueError``) an instant outside 1970 to 3000.
    """

    def __init__(self) -> None:
        self._offset = 0.0
        self._frozen: float | None = None

    def now(self) -> float:
        """Seconds since the epoch, as the emulator sees them."""
        if self._frozen is not None:
            return self._frozen
        return time.time() + self._offset

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    @property
    def is_real(self) -> bool:
        return self._frozen is None and self._offset == 0.0

    @property
    def offset_seconds(self) -> float:
        return self._offset if self._frozen is None else self._frozen - time.time()

    @property
    def is_frozen(self) -> bool:
        return self._frozen is not None

    def advance(self, seconds: float) -> None:
        _within_range(self.now() + seconds)
        if self._frozen is not None:
            self._frozen += seconds
        else:
            self._offset += seconds

    def set(self, instant: float, *, freeze: bool = False) -> None:
        """Jump to ``instant``; time keeps running from there unless ``freeze``."""
        _within_range(instant)
        if freeze:
            self._frozen = instant
        else:
            self._frozen = None
            self._offset = instant - time.time()

    def reset(self) -> None:
        self._offset = 0.0
        self._frozen = None


Instant = datetime | float | str


def epoch_seconds(instant: Instant) -> float:
    """Seconds since the epoch of an instant given as a number, a ``datetime`` or an ISO 8601 / RFC 3339 string.

    Strings may use what RFC 3339 allows and Python's parser does not (a lower-case ``t`` or ``z``). An instant
    without a UTC offset, string or ``datetime``, is read as UTC: the emulator's clock has no local time zone.
    Raises ``ValueError`` for a string that is not an instant.
    """
    if isinstance(instant, int | float) and not isinstance(instant, bool):
        return float(instant)
    if isinstance(instant, str):
        try:
            instant = datetime.fromisoformat(instant.strip().upper())
        except ValueError:
            raise ValueError(
                f"{instant!r} is not an ISO 8601 instant: use YYYY-MM-DDTHH:MM:SS[.ffffff]Z or an offset"
            ) from None
    if isinstance(instant, datetime):
        return (instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)).timestamp()
    raise TypeError(f"an instant is a number, a datetime or an ISO 8601 string, not {type(instant).__name__}")


def iso_utc(epoch_seconds: float, *, millis: bool = True) -> str:
    """``2019-09-11T15:50:10.000Z``: the upstream platform's timestamp shape, milliseconds and ``Z``."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds" if millis else "seconds").replace("+00:00", "Z")
