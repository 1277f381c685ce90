"""Calls the emulator has run, however they started: the control plane's simulated calls and calls from softphones.

One record per call, shared by both: the call's UUID (the ``uuid`` its script was fetched with), the client it
belongs to when known, where it came from, and its events, which a running call appends as they happen. The log is
bounded like the journal: the oldest record falls out when it is full.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from mock_server.clock import iso_utc

DEFAULT_CAPACITY = 200
ORIGINS = ("control", "sip")

Event = dict[str, Any]


@dataclass
class CallRecord:
    """One call. ``events`` grows while it runs; ``ended_at`` (emulator clock) is set when it is over.

    ``sip`` holds the signalling details of a call from a softphone: Call-ID, From, To, transport and source.
    """

    id: str
    origin: str
    url: str
    started_at: float
    client_id: str | None = None
    sip: dict[str, str] | None = None
    events: list[Event] = field(default_factory=list)
    ended_at: float | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "origin": self.origin,
            "client_id": self.client_id,
            "url": self.url,
            "started_at": iso_utc(self.started_at),
            "ended_at": None if self.ended_at is None else iso_utc(self.ended_at),
            "state": "running" if self.ended_at is None else "ended",
            "sip": self.sip,
            # A copy: a running call may append while the caller renders.
            "events": list(self.events),
        }


class CallLog:
    """The last ``capacity`` calls, newest first when read."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("call log capacity must be at least 1")
        self.capacity = capacity
        self._records: deque[CallRecord] = deque(maxlen=capacity)

    def add(self, record: CallRecord) -> CallRecord:
        if record.origin not in ORIGINS:
            raise ValueError(f"unknown call origin {record.origin!r}")
        self._records.append(record)
        return record

    def get(self, call_id: str) -> CallRecord | None:
        return next((record for record in reversed(self._records) if record.id == call_id), None)

    def list(
        self, *, client_id: str | None = None, origin: str | None = None, limit: int | None = None
    ) -> list[CallRecord]:
        found: list[CallRecord] = []
        for record in reversed(list(self._records)):
            if limit is not None and len(found) >= limit:
                break
            if client_id is not None and record.client_id != client_id:
                continue
            if origin is not None and record.origin != origin:
                continue
            found.append(record)
        return found

    def __len__(self) -> int:
        return len(self._records)

    def clear(self, client_id: str | None = None) -> None:
        """Forget every call, or those of one client."""
        kept = [] if client_id is None else [record for record in self._records if record.client_id != client_id]
        self._records.clear()
        self._records.extend(kept)
