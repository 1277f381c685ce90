"""The fault plan: user rules over seeded chaos, asked once per API call.

Two sources, checked in order. User rules (``POST /__admin/faults``) come first: the oldest matching rule that
fires decides the call (a rule whose ``probability`` draw says no lets the next one try). When none fires, the
default chaos (``--chaos SEED:RATE``) may. Every random draw comes from a generator seeded per rule (or per chaos
run) and reported back, so a failing run can be replayed exactly by sending the same calls again after a reset.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.domain.faults import ACTIONS, Fault, FaultRule, FaultSpec, draw_delay
from mock_server.errors import InvalidRequest, NotFound


@dataclass(frozen=True)
class ChaosSpec:
    """Random faults on ``rate`` of all API calls, from a generator seeded with ``seed``."""

    seed: int
    rate: float
    statuses: tuple[int, ...] = (429, 500, 502, 503)
    latency_ms: tuple[int, int] = (200, 2000)
    actions: tuple[str, ...] = ACTIONS

    def __post_init__(self) -> None:
        # admin.yaml's Seed bound, for settings that come from the command line: the view must report it exactly.
        if not 0 <= self.seed < 2**53:
            raise ValueError("chaos seed must be between 0 and 2^53 - 1")
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
            raise ValueError(
                f"--chaos wants SEED:RATE with an integer seed from 0 to 2^53 - 1 and 0 <= RATE <= 1, got {text!r}"
            ) from None

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> ChaosSpec:
        """A chaos setting from schema-checked ``Chaos`` fields (the control plane's and the test handle's)."""
        extra: dict[str, Any] = {}
        for name in ("statuses", "actions", "latency_ms"):
            if name in fields:
                extra[name] = tuple(fields[name])
        try:
            return cls(fields["seed"], float(fields["rate"]), **extra)
        except ValueError as error:
            raise InvalidRequest(info=str(error)) from None

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
            return Fault("delay", "chaos", delay_seconds=draw_delay(rng, self.spec.latency_ms))
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

    def chaos_view(self) -> dict[str, Any] | None:
        """The chaos setting as the control plane shows it; None when chaos is off."""
        return self.chaos.view() if self.chaos is not None else None

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
