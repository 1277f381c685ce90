"""Transaction ids: 32 hex digits, unique per request, one per call."""

from __future__ import annotations

import re

from mock_server.http import transaction_id


def test_transaction_ids_are_unique_hex() -> None:
    ids = [transaction_id({}) for _ in range(1000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)


def test_a_call_keeps_its_transaction_id() -> None:
    scope: dict[str, object] = {}
    first = transaction_id(scope)
    assert transaction_id(scope) == first
    assert transaction_id({}) != first
