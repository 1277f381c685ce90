"""Transaction ids: 32 hex digits, unique per request."""

from __future__ import annotations

import re

from mock_server.middleware.headers import new_transaction_id


def test_transaction_ids_are_unique_hex() -> None:
    ids = [new_transaction_id() for _ in range(1000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)
