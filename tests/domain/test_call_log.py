"""The call log: one record per call from the control plane or a softphone, bounded, newest first."""

from __future__ import annotations

import pytest

from mock_server.domain.calls import CallLog, CallRecord


def record(call_id: str, client_id: str | None = None, origin: str = "sip") -> CallRecord:
    return CallRecord(call_id, origin, "http://127.0.0.1/s.xml", 1000.0, client_id)


def test_records_read_newest_first_and_filter() -> None:
    log = CallLog()
    log.add(record("1", "alpha"))
    log.add(record("2", None, "control"))
    log.add(record("3", "beta"))
    assert [r.id for r in log.list()] == ["3", "2", "1"]
    assert [r.id for r in log.list(client_id="alpha")] == ["1"]
    assert [r.id for r in log.list(origin="control")] == ["2"]
    assert [r.id for r in log.list(limit=2)] == ["3", "2"]
    assert log.get("2") is not None
    assert log.get("4") is None


def test_the_oldest_record_falls_out_when_full() -> None:
    log = CallLog(capacity=2)
    for call_id in "123":
        log.add(record(call_id))
    assert [r.id for r in log.list()] == ["3", "2"]


def test_clear_forgets_all_or_one_clients_calls() -> None:
    log = CallLog()
    log.add(record("1", "alpha"))
    log.add(record("2", "beta"))
    log.clear("alpha")
    assert [r.id for r in log.list()] == ["2"]
    log.clear()
    assert len(log) == 0


def test_a_running_call_shows_its_events_so_far_and_no_end() -> None:
    call = record("1")
    call.events.append({"type": "answered"})
    view = call.to_api()
    assert view["state"] == "running"
    assert view["ended_at"] is None
    call.ended_at = 1001.5
    assert call.to_api()["state"] == "ended"
    assert call.to_api()["ended_at"] == "1970-01-01T00:16:41.500Z"
    assert view["events"] == [{"type": "answered"}]


def test_an_unknown_origin_is_refused() -> None:
    with pytest.raises(ValueError, match="origin"):
        CallLog().add(record("1", origin="carrier-pigeon"))
