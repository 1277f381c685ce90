"""The figures of one run, the targets of issue 18 judged on them, and the Markdown report."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from endpoints import Endpoint
from servers import SERVER_KEYS, ServerSpec

MIB = 1024 * 1024

# Issue 18's targets, all on the emulator with its default flags and judged per CPU-second.
BARE_TARGETS = {"list": 0.5, "read": 0.5, "create": 0.4, "update": 0.4}  # x the bare app
RIVAL_TARGETS = {"wiremock": 1.0, "prism": 2.0}  # x WireMock ("ahead": more than 1) and x Prism, on:
RIVAL_ENDPOINTS = ("list", "read", "create")
ACCESS_LOG_TARGET = ("list", 0.9)  # the access log costs at most 10% against --no-access-log ("What to build")
P99_LIMIT_MS = 10.0
MEMORY_LIMIT = 150 * MIB
STARTUP_LIMIT = 1.5


@dataclass(frozen=True)
class Figures:
    """One load run against one server."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_seconds: float  # CPU time the server (all its threads and children) used during the run
    # Answers with another status than the endpoint's, by status, and socket errors and time-outs as "socket".
    wrong: tuple[tuple[str, int], ...] = ()

    @property
    def unexpected(self) -> int:
        return sum(count for _, count in self.wrong)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def capacity(self) -> float:
        """Requests per second of server CPU: what the server answers with a whole core to itself."""
        return self.requests / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def core_share(self) -> float:
        """How much of its core the server used; well under 1 means it waited (on the load generator, on others)."""
        return self.cpu_seconds / self.seconds if self.seconds else 0.0


@dataclass
class Row:
    """Every round of one endpoint, per server key, in round order."""

    endpoint: Endpoint
    runs: dict[str, list[Figures]] = field(default_factory=dict)
    answer_bytes: dict[str, int] = field(default_factory=dict)

    def median(self, key: str, attribute: str) -> float:
        return float(statistics.median(getattr(run, attribute) for run in self.runs[key]))

    def ratio(self, key: str, reference: str) -> float | None:
        """Median over rounds of the per-round ratio of requests per CPU-second: both loaded minutes apart at most."""
        if key not in self.runs or reference not in self.runs:
            return None
        pairs = zip(self.runs[key], self.runs[reference], strict=True)
        ratios = [mine.capacity / theirs.capacity for mine, theirs in pairs if theirs.capacity]
        return statistics.median(ratios) if ratios else None

    def unexpected(self, key: str) -> int:
        return sum(run.unexpected for run in self.runs[key])

    def unexpected_text(self, key: str) -> str:
        """The count, and what they were: "3 (500: 2, socket: 1)"."""
        counts: Counter[str] = Counter()
        for run in self.runs[key]:
            counts.update(dict(run.wrong))
        detail = ", ".join(f"{status}: {count}" for status, count in sorted(counts.items()))
        return f"{self.unexpected(key)} ({detail})" if detail else str(self.unexpected(key))


@dataclass(frozen=True)
class Check:
    name: str
    measured: str
    verdict: str  # "met", "MISSED" or "not measured"


def _judge(name: str, value: float | None, ok: bool, shown: str) -> Check:
    if value is None:
        return Check(name, "-", "not measured")
    return Check(name, shown, "met" if ok else "MISSED")


def checks(rows: Sequence[Row], memory_bytes: int | None, startup: Sequence[float]) -> list[Check]:
    found: list[Check] = []
    by_name = {row.endpoint.name: row for row in rows}
    for name, target in BARE_TARGETS.items():
        if name in by_name:
            value = by_name[name].ratio("default", "bare")
            found.append(_judge(f"{name}: >= {target} x bare", value, (value or 0) >= target, f"{value:.2f}"))
    for rival, target in RIVAL_TARGETS.items():
        for name in RIVAL_ENDPOINTS:
            if name in by_name:
                value = by_name[name].ratio("default", rival)
                label = f"{name}: ahead of WireMock" if target == 1.0 else f"{name}: >= {target:g} x Prism"
                ok = (value or 0) > target if target == 1.0 else (value or 0) >= target
                found.append(_judge(label, value, ok, f"{value:.2f}" if value is not None else "-"))
    name, target = ACCESS_LOG_TARGET
    if name in by_name:
        value = by_name[name].ratio("default", "no-access-log")
        shown = f"{value:.2f}" if value is not None else "-"
        found.append(_judge(f"{name}: access log on >= {target} x off", value, (value or 0) >= target, shown))
    for row in rows:
        p99 = row.median("default", "p99_ms")
        found.append(
            _judge(f"{row.endpoint.name}: p99 < {P99_LIMIT_MS:g} ms", p99, p99 < P99_LIMIT_MS, f"{p99:.2f} ms")
        )
        unexpected = row.unexpected("default")
        found.append(
            _judge(f"{row.endpoint.name}: every answer as expected", unexpected, not unexpected, str(unexpected))
        )
    if memory_bytes is not None:
        found.append(
            _judge(
                f"memory < {MEMORY_LIMIT // MIB} MiB",
                memory_bytes,
                memory_bytes < MEMORY_LIMIT,
                f"{memory_bytes / MIB:.1f} MiB",
            )
        )
    if startup:
        middle = statistics.median(startup)
        found.append(_judge(f"start-up < {STARTUP_LIMIT:g} s", middle, middle < STARTUP_LIMIT, f"{middle:.2f} s"))
    return found


def _ratio_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def render(
    rows: Sequence[Row],
    specs: dict[str, ServerSpec],
    startups: dict[str, float],
    peak_rss: dict[str, int],
    skipped: dict[str, str],
    found: Sequence[Check],
) -> list[str]:
    """The tables; ``specs`` are the servers that ran, ``skipped`` those that did not and why."""
    keys = [key for key in SERVER_KEYS if key in specs]
    rivals = [key for key in keys if key != "default"]
    lines = [
        "Requests per CPU-second of the server, median of the rounds; in brackets, the ratio to the bare app "
        "(median of the per-round ratios):",
        "",
        "| endpoint | " + " | ".join(specs[key].label for key in keys) + " |",
        "|---|" + "---:|" * len(keys),
    ]
    for row in rows:
        cells = []
        for key in keys:
            capacity = f"{row.median(key, 'capacity'):,.0f}"
            cells.append(capacity if key == "bare" else f"{capacity} ({_ratio_text(row.ratio(key, 'bare'))})")
        lines.append(f"| {row.endpoint.title} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "The emulator with its default flags against each other server, per CPU-second (median of the per-round "
        "ratios; above 1: the emulator does more with the same CPU):",
        "",
        "| endpoint | " + " | ".join(f"x {specs[key].label}" for key in rivals) + " |",
        "|---|" + "---:|" * len(rivals),
    ]
    for row in rows:
        lines.append(
            f"| {row.endpoint.title} | " + " | ".join(_ratio_text(row.ratio("default", key)) for key in rivals) + " |"
        )
    lines += [
        "",
        "Every server and endpoint (medians of the rounds; p99 of the median round, best round in brackets; "
        "unexpected answers summed over the rounds; the answer's size is its body in bytes):",
        "",
        "| endpoint | server | req/s | core share | req per CPU-s | p50 ms | p99 ms (best) | unexpected "
        "| answer bytes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for key in keys:
            best = min(run.p99_ms for run in row.runs[key])
            lines.append(
                f"| {row.endpoint.title} | {specs[key].label} | {row.median(key, 'rate'):,.0f} "
                f"| {row.median(key, 'core_share'):.0%} | {row.median(key, 'capacity'):,.0f} "
                f"| {row.median(key, 'p50_ms'):.2f} | {row.median(key, 'p99_ms'):.2f} ({best:.2f}) "
                f"| {row.unexpected_text(key)} | {row.answer_bytes.get(key, 0):,} |"
            )
    lines += ["", "| server | command | start-up s | peak RSS MiB |", "|---|---|---:|---:|"]
    for key in keys:
        spec = specs[key]
        lines.append(f"| {spec.label} | `{spec.shown}` | {startups[key]:.2f} | {peak_rss[key] / MIB:.1f} |")
    for key, reason in skipped.items():
        lines.append(f"| {key} | not measured: {reason} | - | - |")
    met = sum(check.verdict == "met" for check in found)
    missed = [check.name for check in found if check.verdict == "MISSED"]
    unmeasured = sum(check.verdict == "not measured" for check in found)
    lines += ["", "| target (emulator, default flags) | measured | verdict |", "|---|---:|---|"]
    lines += [f"| {check.name} | {check.measured} | {check.verdict} |" for check in found]
    summary = f"Targets: {met} of {len(found)} met"
    if missed:
        summary += f"; MISSED: {', '.join(missed)}"
    if unmeasured:
        summary += f"; {unmeasured} not measured"
    lines += ["", summary + "."]
    return lines
