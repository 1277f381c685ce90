from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mock_server.domain.clients import QuotaPolicy
from mock_server.domain.quota import QuotaBook, QuotaCounter, window_bounds


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("policy", "now", "start", "end"),
    [
        (QuotaPolicy(time_unit="minute"), "2026-11-27T10:00:30", "2026-11-27T10:00:00", "2026-11-27T10:01:00"),
        (
            QuotaPolicy(interval=15, time_unit="minute"),
            "2026-11-27T10:20:00",
            "2026-11-27T10:15:00",
            "2026-11-27T10:30:00",
        ),
        (
            QuotaPolicy(interval=24, time_unit="hour"),
            "2026-11-27T23:59:59",
            "2026-11-27T00:00:00",
            "2026-11-28T00:00:00",
        ),
        (QuotaPolicy(time_unit="day"), "2026-11-27T10:00:00", "2026-11-27T00:00:00", "2026-11-28T00:00:00"),
        # 2026-11-27 is a Friday; ISO weeks start on Monday.
        (QuotaPolicy(time_unit="week"), "2026-11-27T10:00:00", "2026-11-23T00:00:00", "2026-11-30T00:00:00"),
        (QuotaPolicy(time_unit="month"), "2026-11-27T10:00:00", "2026-11-01T00:00:00", "2026-12-01T00:00:00"),
        (QuotaPolicy(time_unit="month"), "2026-12-31T23:00:00", "2026-12-01T00:00:00", "2027-01-01T00:00:00"),
        (
            QuotaPolicy(interval=3, time_unit="month"),
            "2026-11-27T10:00:00",
            "2026-10-01T00:00:00",
            "2027-01-01T00:00:00",
        ),
    ],
)
def test_windows_are_aligned_in_utc(policy: QuotaPolicy, now: str, start: str, end: str) -> None:
    assert window_bounds(policy, ts(now)) == (ts(start), ts(end))


def test_limit_plus_one_is_refused_with_retry_after_until_the_window_ends() -> None:
    counter = QuotaCounter(QuotaPolicy(limit=3, time_unit="minute"))
    now = ts("2026-11-27T10:00:30")
    states = [counter.hit(now) for _ in range(4)]
    assert [s.allowed for s in states] == [True, True, True, False]
    assert [s.used for s in states] == [1, 2, 3, 3]  # a refused call is not counted
    assert states[-1].retry_after == 30
    assert states[-1].reset_at == ts("2026-11-27T10:01:00")
    assert counter.hit(ts("2026-11-27T10:01:00")).used == 1


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    counter = QuotaCounter(QuotaPolicy(limit=1))
    counter.hit(ts("2026-11-27T10:00:59") + 0.2)
    assert counter.hit(ts("2026-11-27T10:00:59") + 0.2).retry_after == 1


def test_spike_arrest_caps_calls_per_second_without_touching_the_window() -> None:
    counter = QuotaCounter(QuotaPolicy(limit=100, spike_per_second=2))
    now = ts("2026-11-27T10:00:30") + 0.5
    states = [counter.hit(now) for _ in range(3)]
    assert [s.allowed for s in states] == [True, True, False]
    assert states[-1].spike
    assert states[-1].retry_after == 1
    assert counter.hit(now + 0.6).allowed
    assert counter.hit(now + 0.6).used == 4


def test_clients_count_apart_and_a_new_policy_starts_fresh() -> None:
    book = QuotaBook()
    small = QuotaPolicy(limit=1)
    now = ts("2026-11-27T10:00:30")
    assert book.hit("alpha", small, now).allowed
    assert not book.hit("alpha", small, now).allowed
    assert book.hit("beta", small, now).allowed
    assert book.hit("alpha", QuotaPolicy(limit=2), now).allowed


@pytest.mark.parametrize("fields", [{"limit": 0}, {"interval": 0}, {"time_unit": "fortnight"}, {"spike_per_second": 0}])
def test_policies_reject_nonsense(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="quota"):
        QuotaPolicy(**fields)  # type: ignore[arg-type]
