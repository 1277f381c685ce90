"""Fault-rule and journal-filter path patterns: the same answers as a plain reference matcher, in linear time.

A pattern of many ``*`` and ``**`` compiled for a backtracking engine spun the event loop for good on the next
matching call (``"/sipaccounts/" + "**" * 16 + "x"``), and the server then ignored SIGTERM.
"""

from __future__ import annotations

import os
import time
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.domain.fault_plan import FaultPlan
from mock_server.domain.journal import Journal, JournalEntry

PREFIX = "/communication/apidaze/cpaas"
# Generous: an RE2 match of these sizes takes microseconds; the backtracking one it replaced took hours.
MATCH_SECONDS = 0.25
EXAMPLES = int(os.environ.get("APIDAZE_PATTERN_EXAMPLES", "200"))


def reference_match(pattern: str, path: str) -> bool:
    """The documented rule, written out plainly: ``*`` within a segment, ``{name}`` one segment, ``**`` anything."""
    tokens: list[str] = []
    rest = pattern
    while rest:
        if rest.startswith("**"):
            tokens.append("**")
            rest = rest[2:]
        elif rest.startswith("*"):
            tokens.append("*")
            rest = rest[1:]
        elif rest.startswith("{") and (close := rest.find("}")) > 0 and not set(rest[1:close]) & {"/", "{"}:
            tokens.append("{}")
            rest = rest[close + 1 :]
        else:
            tokens.append(rest[0])
            rest = rest[1:]

    @cache
    def match(t: int, p: int) -> bool:
        if t == len(tokens):
            return p == len(path) or (p == len(path) - 1 and path[p] == "/")
        token = tokens[t]
        if token == "**":
            return any(match(t + 1, end) for end in range(p, len(path) + 1))
        if token in ("*", "{}"):
            end = p
            while end < len(path) and path[end] != "/":
                end += 1
            first = p + 1 if token == "{}" else p
            return any(match(t + 1, stop) for stop in range(first, end + 1))
        return p < len(path) and path[p] == token and match(t + 1, p + 1)

    return match(0, 0)


def fault_matches(pattern: str, path: str) -> bool:
    plan = FaultPlan(PREFIX)
    plan.add({"path": pattern, "status": 503})
    return plan.pick("GET", path, None) is not None


def journal_matches(pattern: str, path: str) -> bool:
    journal = Journal(api_prefix=PREFIX)
    journal.record(JournalEntry(0.0, "GET", path))
    return len(journal.entries(path=pattern)) == 1


def test_the_issues_pattern_answers_at_once_for_a_fault_rule_and_a_journal_filter() -> None:
    pattern = "/sipaccounts/" + "**" * 16 + "x"
    path = f"{PREFIX}/sipaccounts/" + "y" * 40
    for matches in (fault_matches, journal_matches):
        started = time.perf_counter()
        assert not matches(pattern, path)
        assert matches(pattern, path + "x")
        assert time.perf_counter() - started < MATCH_SECONDS


PIECES = st.sampled_from(["*", "**", "{id}", "/", "a", "b", "x", "-", ".", "%", " "])
PATH_CHARS = st.sampled_from("/abx-. %")


@settings(max_examples=EXAMPLES, deadline=None)
@given(pattern=st.lists(PIECES, max_size=60).map("".join), path=st.text(PATH_CHARS, max_size=300))
def test_any_pattern_matches_any_path_as_documented_and_in_bounded_time(pattern: str, path: str) -> None:
    pattern, path = "/" + pattern, PREFIX + "/" + path
    expected = reference_match(PREFIX + pattern, path)
    for matches in (fault_matches, journal_matches):
        started = time.perf_counter()
        assert matches(pattern, path) is expected, (matches.__name__, pattern, path)
        assert time.perf_counter() - started < MATCH_SECONDS, (matches.__name__, pattern, path)
