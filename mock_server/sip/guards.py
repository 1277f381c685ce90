"""Per-address protections: a source that floods gets no answer, one that keeps failing authentication is refused.

Both run on real (monotonic) time, not the emulator's clock: a test that freezes or moves the clock must not open
or close the gates. Each remembers a bounded number of addresses, forgetting the one seen longest ago first.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

from mock_server.sip.limits import SipLimits


class FloodGuard:
    """A token bucket per address: ``flood_burst`` messages at once, refilled at ``flood_rate`` a second."""

    def __init__(self, limits: SipLimits, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._rate = limits.flood_rate
        self._burst = float(limits.flood_burst)
        self._size = limits.max_tracked_sources
        self._monotonic = monotonic
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, host: str) -> bool:
        """Whether one more message from ``host`` is answered; takes a token when it is."""
        now = self._monotonic()
        tokens, then = self._buckets.pop(host, (self._burst, now))
        tokens = min(self._burst, tokens + (now - then) * self._rate)
        allowed = tokens >= 1
        self._buckets[host] = (tokens - 1 if allowed else tokens, now)
        if len(self._buckets) > self._size:
            self._buckets.popitem(last=False)
        return allowed


class FailureGuard:
    """Counts failed authentications per address; at ``max_auth_failures`` within the window, the address waits."""

    def __init__(self, limits: SipLimits, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._max = limits.max_auth_failures
        self._window = limits.failure_window
        self._size = limits.max_tracked_sources
        self._monotonic = monotonic
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def blocked(self, host: str) -> float:
        """Seconds until ``host`` may try again (0 when it may now)."""
        failures = self._recent(host)
        if len(failures) < self._max:
            return 0.0
        return max(0.0, failures[0] + self._window - self._monotonic())

    def fail(self, host: str) -> None:
        failures = self._recent(host)
        failures.append(self._monotonic())
        self._failures[host] = failures
        self._failures.move_to_end(host)
        if len(self._failures) > self._size:
            self._failures.popitem(last=False)

    def _recent(self, host: str) -> deque[float]:
        failures = self._failures.get(host, deque(maxlen=self._max))
        cutoff = self._monotonic() - self._window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures
