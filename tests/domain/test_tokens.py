from __future__ import annotations

import string

from mock_server.domain import tokens
from mock_server.domain.tokens import TokenStore


def test_tokens_look_like_kpns_and_expire_on_the_clock() -> None:
    now = [100.0]
    store = TokenStore(lambda: now[0], lifetime_seconds=3599)
    token = store.issue("alpha")
    assert len(token.value) == 28
    assert set(token.value) <= set(string.ascii_letters + string.digits)
    now[0] += 3598
    assert store.lookup(token.value) == token
    now[0] += 1
    assert store.lookup(token.value) is None


def test_revoking_a_client_drops_only_its_tokens() -> None:
    store = TokenStore(lambda: 0.0)
    mine, theirs = store.issue("alpha"), store.issue("beta")
    store.revoke_client("alpha")
    assert store.lookup(mine.value) is None
    assert store.lookup(theirs.value) == theirs


def test_live_tokens_per_client_are_bounded(monkeypatch: object) -> None:
    store = TokenStore(lambda: 0.0)
    limit = tokens.MAX_LIVE_TOKENS_PER_CLIENT
    issued = [store.issue("alpha") for _ in range(limit + 2)]
    assert store.lookup(issued[0].value) is None
    assert store.lookup(issued[1].value) is None
    assert store.lookup(issued[-1].value) == issued[-1]
