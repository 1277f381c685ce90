"""Fault plan rules: matching, counting, seeded draws, chaos, reset. No HTTP, no clock, seeded generators."""

from __future__ import annotations

import random

import pytest

from mock_server.domain.fault_plan import ChaosSpec, FaultPlan
from mock_server.domain.faults import FaultSpec
from mock_server.errors import InvalidRequest, NotFound

PREFIX = "/communication/apidaze/cpaas"
ACCOUNTS = f"{PREFIX}/sipaccounts"


def plan(chaos: ChaosSpec | None = None) -> FaultPlan:
    return FaultPlan(PREFIX, chaos)


def test_an_empty_plan_is_not_armed_and_picks_nothing() -> None:
    empty = plan()
    assert not empty.armed
    assert empty.pick("GET", ACCOUNTS, "a") is None


def test_a_rule_with_times_fires_that_often_then_stays_listed_but_spent() -> None:
    faults = plan()
    rule = faults.add({"path": "/sipaccounts", "status": 503, "times": 2})
    assert faults.armed
    picked = [faults.pick("GET", ACCOUNTS, "a") for _ in range(3)]
    assert [fault.status if fault else None for fault in picked] == [503, 503, None]
    assert rule.view()["remaining"] == 0
    assert rule.view()["fired"] == 2
    assert not faults.armed
    assert faults.rules() == [rule]


@pytest.mark.parametrize(
    ("rule", "method", "path", "client", "hit"),
    [
        ({"method": "get"}, "GET", ACCOUNTS, None, True),
        ({"method": "POST"}, "GET", ACCOUNTS, None, False),
        ({"path": ACCOUNTS}, "GET", ACCOUNTS, None, True),
        ({"path": "/sipaccounts"}, "GET", ACCOUNTS + "/", None, True),
        ({"path": "/sipaccounts"}, "GET", ACCOUNTS + "/7", None, False),
        ({"path": "/sipaccounts/{id}"}, "GET", ACCOUNTS + "/7", None, True),
        ({"path": "/sipaccounts/{id}"}, "GET", ACCOUNTS + "/7/status", None, False),
        ({"path": "/sipaccounts/*/status"}, "GET", ACCOUNTS + "/7/status", None, True),
        ({"path": "/**"}, "DELETE", PREFIX + "/externalscripts/1", None, True),
        ({"path": "/oauth/client_credential/accesstoken"}, "POST", "/oauth/client_credential/accesstoken", None, True),
        ({"client_id": "a"}, "GET", ACCOUNTS, "a", True),
        ({"client_id": "a"}, "GET", ACCOUNTS, "b", False),
        ({"client_id": "a"}, "POST", "/oauth/client_credential/accesstoken", None, False),
    ],
)
def test_rules_match_by_method_path_pattern_and_client(
    rule: dict[str, str], method: str, path: str, client: str | None, hit: bool
) -> None:
    faults = plan()
    faults.add({**rule, "status": 500})
    assert (faults.pick(method, path, client) is not None) is hit


def test_a_probability_rule_replays_exactly_from_its_seed() -> None:
    def run() -> list[bool]:
        faults = plan()
        faults.add({"probability": 0.3, "seed": 42, "status": 500})
        return [faults.pick("GET", ACCOUNTS, None) is not None for _ in range(200)]

    first = run()
    assert first == run()
    assert 30 < sum(first) < 90


def test_a_rule_without_seed_reports_the_seed_it_drew_so_it_can_be_replayed() -> None:
    faults = plan()
    drawn = faults.add({"probability": 0.5, "status": 500}).view()["seed"]
    sequence = [faults.pick("GET", ACCOUNTS, None) is not None for _ in range(50)]
    replay = plan()
    replay.add({"probability": 0.5, "status": 500, "seed": drawn})
    assert [replay.pick("GET", ACCOUNTS, None) is not None for _ in range(50)] == sequence


def test_times_and_probability_together_fire_at_most_times() -> None:
    faults = plan()
    faults.add({"probability": 0.5, "seed": 1, "times": 3, "status": 502})
    fired = [faults.pick("GET", ACCOUNTS, None) for _ in range(100)]
    assert sum(fault is not None for fault in fired) == 3


def test_latency_ranges_are_drawn_from_the_seed_and_stay_in_bounds() -> None:
    def delays() -> list[float]:
        faults = plan()
        faults.add({"latency_ms": [100, 300], "seed": 9})
        return [fault.delay_seconds for fault in (faults.pick("GET", ACCOUNTS, None) for _ in range(20)) if fault]

    first = delays()
    assert first == delays()
    assert all(0.1 <= delay <= 0.3 for delay in first)
    assert len(set(first)) > 1


def test_a_fixed_latency_is_a_delay_and_can_come_before_another_action() -> None:
    faults = plan()
    faults.add({"latency_ms": 250, "times": 1})
    faults.add({"latency_ms": 50, "action": "drop", "times": 1})
    first = faults.pick("GET", ACCOUNTS, None)
    second = faults.pick("GET", ACCOUNTS, None)
    assert first is not None
    assert (first.action, first.delay_seconds) == ("delay", 0.25)
    assert second is not None
    assert (second.action, second.delay_seconds) == ("drop", 0.05)


def test_the_oldest_matching_rule_wins() -> None:
    faults = plan()
    faults.add({"path": "/sipaccounts", "status": 503, "times": 1})
    faults.add({"status": 500})
    first, second = (faults.pick("GET", ACCOUNTS, None) for _ in range(2))
    assert first is not None
    assert first.status == 503
    assert second is not None
    assert second.status == 500


def test_a_429_carries_the_retry_after_given_or_one_second() -> None:
    faults = plan()
    faults.add({"status": 429, "retry_after": 7, "times": 1})
    faults.add({"status": 429})
    first, second = (faults.pick("GET", ACCOUNTS, None) for _ in range(2))
    assert first is not None
    assert (first.name, first.retry_after) == ("TooManyRequests", 7)
    assert second is not None
    assert second.retry_after == 1


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"action": "status"},
        {"action": "drop", "status": 500},
        {"action": "delay"},
        {"latency_ms": [300, 100]},
        {"action": "truncate", "retry_after": 3},
    ],
)
def test_inconsistent_rules_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidRequest):
        FaultSpec.from_fields(fields, random.Random(0))


def test_rules_are_removed_one_by_one_or_all() -> None:
    faults = plan()
    first = faults.add({"status": 500})
    faults.add({"status": 502, "client_id": "b"})
    faults.remove(first.id)
    assert [rule.spec.status for rule in faults.rules()] == [502]
    with pytest.raises(NotFound):
        faults.remove(first.id)
    faults.clear()
    assert faults.rules() == []
    assert not faults.armed


def test_chaos_replays_exactly_from_its_seed() -> None:
    spec = ChaosSpec(seed=7, rate=0.4)
    runs = []
    for _ in range(2):
        faults = plan(spec)
        runs.append([faults.pick("GET", ACCOUNTS, None) for _ in range(300)])
    assert runs[0] == runs[1]
    kinds = {fault.action for fault in runs[0] if fault}
    assert kinds == {"status", "delay", "drop", "truncate"}
    assert {fault.status for fault in runs[0] if fault and fault.action == "status"} == {429, 500, 502, 503}


def test_chaos_rate_zero_never_fires_and_rate_one_always_does() -> None:
    never, always = plan(ChaosSpec(1, 0.0)), plan(ChaosSpec(1, 1.0))
    assert all(never.pick("GET", ACCOUNTS, None) is None for _ in range(100))
    assert all(always.pick("GET", ACCOUNTS, None) is not None for _ in range(100))


def test_user_rules_override_chaos() -> None:
    faults = plan(ChaosSpec(1, 1.0))
    faults.add({"path": "/sipaccounts", "status": 418})
    fault = faults.pick("GET", ACCOUNTS, None)
    assert fault is not None
    assert (fault.source, fault.status) == ("rule 1", 418)


def test_a_full_reset_drops_rules_and_restarts_the_default_chaos_from_its_seed() -> None:
    faults = plan(ChaosSpec(3, 0.5))
    before = [faults.pick("GET", ACCOUNTS, None) for _ in range(50)]
    faults.add({"status": 500})
    faults.set_chaos(ChaosSpec(99, 1.0))
    faults.reset()
    assert faults.rules() == []
    assert [faults.pick("GET", ACCOUNTS, None) for _ in range(50)] == before


def test_a_client_reset_drops_only_that_clients_rules() -> None:
    faults = plan()
    faults.add({"client_id": "a", "status": 500})
    faults.add({"client_id": "b", "status": 500})
    faults.add({"status": 503})
    faults.reset("a")
    assert [rule.spec.client_id for rule in faults.rules()] == ["b", None]


@pytest.mark.parametrize("text", ["42", "x:0.1", "1:1.5", "1:-0.1", "", "-1:0.1", f"{2**53}:0.1"])
def test_chaos_option_is_seed_colon_rate(text: str) -> None:
    with pytest.raises(ValueError, match="SEED:RATE"):
        ChaosSpec.parse(text)
    assert ChaosSpec.parse("42:0.25") == ChaosSpec(42, 0.25)
