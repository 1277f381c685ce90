"""The fault plan: what goes wrong on which API call, decided before the call reaches its route.

Two sources, checked in order. User rules (``POST /__admin/faults``) come first: the oldest matching rule that
fires decides the call (a rule whose ``probability`` draw says no lets the next one try). When none fires, the
default chaos (``--chaos SEED:RATE``) may. Every random draw comes from a generator seeded per rule (or per chaos
run) and reported back, so a failing run can be replayed exactly by sending the same calls again after a reset.

Rule semantics, kept plain:

- a rule matches by ``method`` (any when absent), ``path`` pattern (any when absent) and ``client_id`` (any when
  absent; token requests carry no client yet, so a client-scoped rule never matches them);
- it fires on every matching call, or with ``probability`` from its seeded generator, and at most ``times`` times;
  a rule that has fired ``times`` times stays listed (with ``remaining: 0``) but no longer matches;
- it does one thing: ``status`` (answer that status in the API's error shape; a 429 carries ``Retry-After``),
  ``delay`` (wait ``latency_ms``, then answer normally), ``drop`` (reset the connection without a reply) or
  ``truncate`` (send the real reply's headers and half its body, then close). ``latency_ms`` may be added to any
  action: the wait comes first.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.errors import InvalidRequest, NotFound

ACTIONS = ("status", "delay", "drop", "truncate")
# Names of the injected error bodies; any other status is an "InjectedFault".
STATUS_NAMES = {
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
# Patterns starting with one of these are absolute; any other pattern is relative to the API prefix.
ABSOLUTE_ROOTS = ("/communication/", "/oauth/")


@dataclass(frozen=True)
class Fault:
    """What to do to one call."""

    action: str
    source: str
    status: int = 0
    delay_seconds: float = 0.0
    retry_after: int = 1
    message: str = ""

    @property
    def name(self) -> str:
        return STATUS_NAMES.get(self.status, "InjectedFault")

    def label(self) -> str:
        what = f"status {self.status}" if self.action == "status" else self.action
        if self.delay_seconds and self.action != "delay":
            what += f" after {round(self.delay_seconds * 1000)} ms"
        elif self.action == "delay":
            what += f" {round(self.delay_seconds * 1000)} ms"
        return f"{self.source}: {what}"


def path_pattern(pattern: str, api_prefix: str) -> re.Pattern[str]:
    """``*`` matches within one path segment, ``{name}`` one whole segment, ``**`` anything."""
    if api_prefix and not pattern.startswith((*ABSOLUTE_ROOTS, api_prefix)):
        pattern = api_prefix + pattern
    parts = re.split(r"(\*\*|\*|\{[^/{}]*\})", pattern)
    regex = ""
    for part in parts:
        if part == "**":
            regex += ".*"
        elif part == "*":
            regex += "[^/]*"
        elif part.startswith("{") and part.endswith("}"):
            regex += "[^/]+"
        else:
            regex += re.escape(part)
    return re.compile(regex + "/?")


def _latency(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    low, high = (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))
    if not 0 <= low <= high:
        raise InvalidRequest(info=f"body.latency_ms: need 0 <= min <= max, got {value!r}")
    return low, high


@dataclass(frozen=True)
class FaultSpec:
    """One rule as the user gave it (after the schema check), with the gaps filled in."""

    action: str
    seed: int
    method: str | None = None
    path: str | None = None
    client_id: str | None = None
    times: int | None = None
    probability: float | None = None
    status: int | None = None
    latency_ms: tuple[int, int] | None = None
    retry_after: int | None = None
    message: str | None = None

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any], seeds: random.Random) -> FaultSpec:
        """Cross-field rules the schema cannot say; a rule without ``seed`` gets one drawn from ``seeds``."""
        status = fields.get("status")
        latency = _latency(fields.get("latency_ms"))
        action = fields.get("action") or ("status" if status is not None else "delay" if latency else None)
        if action is None:
            raise InvalidRequest(info="body: give 'status', 'latency_ms' or 'action'")
        if action == "status" and status is None:
            raise InvalidRequest(info="body.status: required by action 'status'")
        if action != "status" and status is not None:
            raise InvalidRequest(info=f"body.status: not used by action {action!r}")
        if action == "delay" and latency is None:
            raise InvalidRequest(info="body.latency_ms: required by action 'delay'")
        if fields.get("retry_after") is not None and action != "status":
            raise InvalidRequest(info="body.retry_after: only with a status")
        method = fields.get("method")
        seed = fields.get("seed")
        return cls(
            action=action,
            seed=int(seed) if seed is not None else seeds.randrange(2**32),
            method=method.upper() if method else None,
            path=fields.get("path"),
            client_id=fields.get("client_id"),
            times=fields.get("times"),
            probability=fields.get("probability"),
            status=status,
            latency_ms=latency,
            retry_after=fields.get("retry_after"),
            message=fields.get("message"),
        )


def _delay(rng: random.Random, latency: tuple[int, int] | None) -> float:
    if latency is None:
        return 0.0
    low, high = latency
    return (low if low == high else rng.randint(low, high)) / 1000


class FaultRule:
    """A user rule with its own seeded generator and counters."""

    def __init__(self, rule_id: str, spec: FaultSpec, api_prefix: str) -> None:
        self.id = rule_id
        self.spec = spec
        self._path = path_pattern(spec.path, api_prefix) if spec.path else None
        self._rng = random.Random(spec.seed)
        self.matched = 0
        self.fired = 0

    @property
    def remaining(self) -> int | None:
        return None if self.spec.times is None else self.spec.times - self.fired

    def matches(self, method: str, path: str, client_id: str | None) -> bool:
        spec = self.spec
        return (
            (spec.method is None or spec.method == method)
            and (spec.client_id is None or spec.client_id == client_id)
            and (self._path is None or self._path.fullmatch(path) is not None)
        )

    def decide(self) -> Fault | None:
        """Called for a matching call: fire or not, and count."""
        spec = self.spec
        self.matched += 1
        if spec.probability is not None and self._rng.random() >= spec.probability:
            return None
        self.fired += 1
        return Fault(
            action=spec.action,
            source=f"rule {self.id}",
            status=spec.status or 0,
            delay_seconds=_delay(self._rng, spec.latency_ms),
            retry_after=spec.retry_after if spec.retry_after is not None else 1,
            message=spec.message or "",
        )

    def view(self) -> dict[str, Any]:
        spec = self.spec
        latency = None if spec.latency_ms is None else list(spec.latency_ms)
        return {
            "id": self.id,
            "method": spec.method,
            "path": spec.path,
            "client_id": spec.client_id,
            "action": spec.action,
            "status": spec.status,
            "latency_ms": latency,
            "retry_after": spec.retry_after,
            "message": spec.message,
            "times": spec.times,
            "probability": spec.probability,
            "seed": spec.seed,
            "matched": self.matched,
            "fired": self.fired,
            "remaining": self.remaining,
        }


@dataclass(frozen=True)
class ChaosSpec:
    """Random faults on ``rate`` of all API calls, from a generator seeded with ``seed``."""

    seed: int
    rate: float
    statuses: tuple[int, ...] = (429, 500, 502, 503)
    latency_ms: tuple[int, int] = (200, 2000)
    actions: tuple[str, ...] = ACTIONS

    def __post_init__(self) -> None:
        if not self.actions or not set(self.actions) <= set(ACTIONS):
            raise ValueError(f"chaos actions must be some of {', '.join(ACTIONS)}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("chaos rate must be between 0 and 1")
        if not 0 <= self.latency_ms[0] <= self.latency_ms[1]:
            raise ValueError("chaos latency_ms must be [min, max] with 0 <= min <= max")

    @classmethod
    def parse(cls, text: str) -> ChaosSpec:
        """``SEED:RATE``, as ``--chaos 42:0.1`` gives it."""
        seed, colon, rate = text.partition(":")
        try:
            if not colon:
                raise ValueError
            return cls(int(seed), float(rate))
        except ValueError:
            raise ValueError(f"--chaos wants SEED:RATE with an integer seed and 0 <= RATE <= 1, got {text!r}") from None

    def view(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "rate": self.rate,
            "statuses": list(self.statuses),
            "latency_ms": list(self.latency_ms),
            "actions": list(self.actions),
        }


class Chaos:
    """One seeded chaos run: the same calls in the same order meet the same faults."""

    def __init__(self, spec: ChaosSpec) -> None:
        self.spec = spec
        self._rng = random.Random(spec.seed)
        # Each status is one choice, beside delay, drop and truncate.
        statuses = spec.statuses if "status" in spec.actions else ()
        self._choices: tuple[str | int, ...] = (*statuses, *(a for a in spec.actions if a != "status"))
        self.calls = 0
        self.fired = 0

    def decide(self) -> Fault | None:
        self.calls += 1
        rng = self._rng
        if rng.random() >= self.spec.rate:
            return None
        self.fired += 1
        choice = rng.choice(self._choices)
        if isinstance(choice, int):
            return Fault("status", "chaos", status=choice, retry_after=1)
        if choice == "delay":
            return Fault("delay", "chaos", delay_seconds=_delay(rng, self.spec.latency_ms))
        return Fault(choice, "chaos")

    def view(self) -> dict[str, Any]:
        return {**self.spec.view(), "calls": self.calls, "fired": self.fired}


class FaultPlan:
    """User rules over the default chaos. ``armed`` is false when nothing can fire, so calls skip the plan."""

    def __init__(self, api_prefix: str = "", default_chaos: ChaosSpec | None = None) -> None:
        self.api_prefix = api_prefix
        self.default_chaos = default_chaos
        self._rules: list[FaultRule] = []
        # Live rules only, replaced whole on change: a call in flight never sees a half-updated list.
        self._live: tuple[FaultRule, ...] = ()
        self.chaos: Chaos | None = None
        self.next_id = 1
        self._seeds = random.SystemRandom()
        self.armed = False
        self.reset()

    def add(self, fields: Mapping[str, Any]) -> FaultRule:
        rule = FaultRule(str(self.next_id), FaultSpec.from_fields(fields, self._seeds), self.api_prefix)
        self.next_id += 1
        self._rules.append(rule)
        self._refresh()
        return rule

    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def get(self, rule_id: str) -> FaultRule:
        for rule in self._rules:
            if rule.id == rule_id:
                return rule
        raise NotFound(f"No fault rule with id {rule_id!r}.", info=f"id={rule_id!r}")

    def remove(self, rule_id: str) -> FaultRule:
        rule = self.get(rule_id)
        self._rules.remove(rule)
        self._refresh()
        return rule

    def clear(self, client_id: str | None = None) -> None:
        """Drop user rules: all, or those scoped to ``client_id``."""
        self._rules = [rule for rule in self._rules if client_id is not None and rule.spec.client_id != client_id]
        self._refresh()

    def set_chaos(self, spec: ChaosSpec | None) -> None:
        self.chaos = Chaos(spec) if spec is not None else None
        self._refresh()

    def reset(self, client_id: str | None = None) -> None:
        """Full reset: no user rules, ids from 1, the default chaos again from its seed. Per client: its rules."""
        self.clear(client_id)
        if client_id is None:
            self.next_id = 1
            self.set_chaos(self.default_chaos)

    def pick(self, method: str, path: str, client_id: str | None) -> Fault | None:
        """The fault for this call, if any; counts the call against the rules it matches."""
        live = self._live
        for rule in live:
            if rule.matches(method, path, client_id):
                fault = rule.decide()
                if rule.remaining == 0:
                    self._refresh()
                if fault is not None:
                    return fault
        return self.chaos.decide() if self.chaos is not None else None

    def _refresh(self) -> None:
        self._live = tuple(rule for rule in self._rules if rule.remaining != 0)
        self.armed = bool(self._live) or self.chaos is not None
