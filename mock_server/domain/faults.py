"""Fault rules: what goes wrong on which API call, decided before the call reaches its route.

Rule semantics, kept plain:

- a rule matches by ``method`` (any when absent), ``path`` pattern (any when absent) and ``client_id`` (any when
  absent; token requests carry no client yet, so a client-scoped rule never matches them);
- it fires on every matching call, or with ``probability`` from its seeded generator, and at most ``times`` times;
  a rule that has fired ``times`` times stays listed (with ``remaining: 0``) but no longer matches;
- it does one thing: ``status`` (answer that status in the API's error shape; 429 and 503 carry ``Retry-After``),
  ``delay`` (wait ``latency_ms``, then answer normally), ``drop`` (reset the connection without a reply),
  ``truncate`` (send the real reply's headers and half its body, then close) or ``respond`` (answer exactly the
  given ``status``, ``headers`` and ``body``). ``latency_ms`` may be added to any action: the wait comes first.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

from mock_server.errors import InvalidRequest

# What chaos picks from; a rule may also ``respond``, which needs an answer only a user can write.
ACTIONS = ("status", "delay", "drop", "truncate")
RULE_ACTIONS = (*ACTIONS, "respond")
# The server frames every answer itself: a rule that set these would make it send a broken reply.
FRAMING_HEADERS = ("content-length", "transfer-encoding", "connection")
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
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @property
    def name(self) -> str:
        return STATUS_NAMES.get(self.status, "InjectedFault")

    def label(self) -> str:
        what = f"{self.action} {self.status}" if self.action in ("status", "respond") else self.action
        if self.delay_seconds and self.action != "delay":
            what += f" after {round(self.delay_seconds * 1000)} ms"
        elif self.action == "delay":
            what += f" {round(self.delay_seconds * 1000)} ms"
        return f"{self.source}: {what}"


class PathPattern:
    """A path pattern: ``*`` matches within one path segment, ``{name}`` one whole segment, ``**`` anything.

    Matched by RE2, in time linear in the path whatever the pattern: compiled for Python's backtracking ``re``,
    ``"/sipaccounts/" + "**" * 16 + "x"`` spun the event loop for good on the next call it was tried on.
    """

    def __init__(self, pattern: str, api_prefix: str) -> None:
        if api_prefix and not pattern.startswith((*ABSOLUTE_ROOTS, api_prefix)):
            pattern = api_prefix + pattern
        regex = ""
        for part in re.split(r"(\*\*|\*|\{[^/{}]*\})", pattern):
            if part == "**":
                regex += ".*"
            elif part == "*":
                regex += "[^/]*"
            elif part.startswith("{") and part.endswith("}"):
                regex += "[^/]+"
            else:
                regex += re2.escape(part)
        # (?s): ``**`` spans anything, a decoded %0A included.
        self._compiled = re2.compile(f"(?s){regex}/?")

    def matches(self, path: str) -> bool:
        """Whether the whole of ``path`` (one trailing ``/`` allowed) matches."""
        return self._compiled.fullmatch(path) is not None


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
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any], seeds: random.Random) -> FaultSpec:
        """Cross-field rules the schema cannot say; a rule without ``seed`` gets one drawn from ``seeds``."""
        given_status: int | None = fields.get("status")
        latency = _latency(fields.get("latency_ms"))
        action = fields.get("action") or ("status" if given_status is not None else "delay" if latency else None)
        if action is None:
            raise InvalidRequest(info="body: give 'status', 'latency_ms' or 'action'")
        if action == "status" and given_status is None:
            raise InvalidRequest(info="body.status: required by action 'status'")
        if action not in ("status", "respond") and given_status is not None:
            raise InvalidRequest(info=f"body.status: not used by action {action!r}")
        status = 200 if action == "respond" and given_status is None else given_status
        if action == "status" and status is not None and not 400 <= status <= 599:
            raise InvalidRequest(info=f"body.status: action 'status' answers an error, 400 to 599, not {status}")
        no_body = status is not None and (status < 200 or (status in (204, 304) and bool(fields.get("body"))))
        if action == "respond" and no_body:
            raise InvalidRequest(info=f"body.status: {status} cannot be a final answer with a body")
        for own in ("headers", "body"):
            if action != "respond" and own in fields:
                raise InvalidRequest(info=f"body.{own}: only with action 'respond'")
        headers = tuple((str(name), str(value)) for name, value in (fields.get("headers") or {}).items())
        for name, _ in headers:
            if name.lower() in FRAMING_HEADERS:
                raise InvalidRequest(info=f"body.headers.{name}: the server frames the answer itself")
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
            headers=headers,
            body=fields.get("body"),
        )


def draw_delay(rng: random.Random, latency: tuple[int, int] | None) -> float:
    if latency is None:
        return 0.0
    low, high = latency
    return (low if low == high else rng.randint(low, high)) / 1000


class FaultRule:
    """A user rule with its own seeded generator and counters."""

    def __init__(self, rule_id: str, spec: FaultSpec, api_prefix: str) -> None:
        self.id = rule_id
        self.spec = spec
        self._path = PathPattern(spec.path, api_prefix) if spec.path else None
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
            and (self._path is None or self._path.matches(path))
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
            delay_seconds=draw_delay(self._rng, spec.latency_ms),
            retry_after=spec.retry_after if spec.retry_after is not None else 1,
            message=spec.message or "",
            headers=spec.headers,
            body=(spec.body or "").encode(),
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
            **({"headers": dict(spec.headers), "body": spec.body or ""} if spec.action == "respond" else {}),
            "times": spec.times,
            "probability": spec.probability,
            "seed": spec.seed,
            "matched": self.matched,
            "fired": self.fired,
            "remaining": self.remaining,
        }
