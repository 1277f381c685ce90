"""Contract violations: one record per broken rule of a call, and a bounded summary of a whole proxy run."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mock_server.spec import Problem

# Distinct kinds of violation the summary tells apart; more are counted, not itemised (a fuzzer makes many).
MAX_KINDS = 1000
_INDEX = re.compile(r"(?<=\.)[0-9]+(?=\.|$)")


@dataclass(frozen=True)
class Violation:
    """One broken rule. ``side`` is ``request`` when the client broke the contract, ``answer`` when the upstream did."""

    side: str
    operation: str | None
    rule: str
    location: str
    message: str

    @classmethod
    def of(cls, side: str, operation: str | None, problem: Problem) -> Violation:
        return cls(side, operation, problem.rule, problem.location, problem.message)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "side": self.side,
            "operation": self.operation,
            "rule": self.rule,
            "location": self.location,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.side} {self.location}: {self.message} ({self.rule})"


@dataclass
class _Kind:
    first: Violation
    method: str
    path: str
    status: int | None
    count: int = 0


class ViolationLog:
    """Every violation of a run, counted by kind: side, operation (or method and path), status, location and rule.

    Array indices in locations count as one (``body.*.sip``), so a list answer of a hundred accounts that all lack
    ``sip`` is one kind seen a hundred times.
    """

    def __init__(self, max_kinds: int = MAX_KINDS) -> None:
        self.max_kinds = max_kinds
        self.calls = 0
        self.calls_with_violations = 0
        self.total = 0
        self.untracked = 0
        self._kinds: dict[tuple[str, str, int | None, str, str], _Kind] = {}

    def record(self, method: str, path: str, status: int | None, violations: Sequence[Violation]) -> None:
        """One call: its method and path as sent, the status the upstream answered (None when none came)."""
        self.calls += 1
        if not violations:
            return
        self.calls_with_violations += 1
        for violation in violations:
            self.total += 1
            where = violation.operation or f"{method} {path}"
            answer_status = status if violation.side == "answer" else None
            key = (violation.side, where, answer_status, _INDEX.sub("*", violation.location), violation.rule)
            kind = self._kinds.get(key)
            if kind is None:
                if len(self._kinds) >= self.max_kinds:
                    self.untracked += 1
                    continue
                kind = self._kinds[key] = _Kind(violation, method, path, answer_status)
            kind.count += 1

    def summary(self) -> dict[str, Any]:
        """``GET /__admin/violations``: totals, then each kind with its count and its first occurrence."""
        return {
            "calls": self.calls,
            "calls_with_violations": self.calls_with_violations,
            "total": self.total,
            "untracked": self.untracked,
            "violations": [
                {
                    **kind.first.as_dict(),
                    "location": location,
                    "status": kind.status,
                    "count": kind.count,
                    "example": {"method": kind.method, "path": kind.path},
                }
                for (_, _, _, location, _), kind in self._kinds.items()
            ],
        }

    def report(self) -> str:
        """The summary as lines for a terminal or a CI log, printed when the proxy stops."""
        if not self.total:
            return f"apidaze-mock proxy: no contract violations in {self.calls} calls"
        plural = "s" if self.total > 1 else ""
        lines = [
            f"apidaze-mock proxy: {self.total} contract violation{plural} in {self.calls_with_violations} of "
            f"{self.calls} calls:"
        ]
        for (side, where, status, location, rule), kind in self._kinds.items():
            shown = f"{where} {status}" if status is not None else where
            lines.append(f"  {kind.count} x {side} {shown} {location}: {kind.first.message} ({rule})")
        if self.untracked:
            lines.append(f"  and {self.untracked} more of other kinds (at most {self.max_kinds} kinds are itemised)")
        return "\n".join(lines)
