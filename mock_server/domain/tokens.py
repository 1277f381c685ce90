"""Access tokens: random, bound to one client, valid for a fixed lifetime on the emulator's clock."""

from __future__ import annotations

import secrets
import string
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

_ALPHABET = string.ascii_letters + string.digits
# KPN's tokens are 28 alphanumeric characters ("haf2SDl07E9N7RluNQ4kJ1TkGgso"); ours look the same.
TOKEN_LENGTH = 28
# Bounds memory when a load test asks for tokens in a loop; far above what any client keeps in use.
MAX_LIVE_TOKENS_PER_CLIENT = 10_000


def random_token(length: int = TOKEN_LENGTH) -> str:
    """``length`` characters drawn uniformly from letters and digits, from the OS's secure random source."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


class Token(NamedTuple):
    value: str
    client_id: str
    issued_at: float
    expires_at: float


class TokenStore:
    def __init__(self, now: Callable[[], float], lifetime_seconds: int = 3599) -> None:
        self._now = now
        self.lifetime_seconds = lifetime_seconds
        # Plain tuples, which the garbage collector stops tracking (see SipAccountStore): a client may hold 10,000.
        self._tokens: dict[str, tuple[Any, ...]] = {}
        self._by_client: dict[str, OrderedDict[str, None]] = {}

    def issue(self, client_id: str) -> Token:
        now = self._now()
        value = random_token()
        token = Token(value, client_id, now, now + self.lifetime_seconds)
        self._tokens[value] = tuple(token)
        mine = self._by_client.setdefault(client_id, OrderedDict())
        mine[value] = None
        while len(mine) > MAX_LIVE_TOKENS_PER_CLIENT:
            oldest, _ = mine.popitem(last=False)
            self._tokens.pop(oldest, None)
        return token

    def lookup(self, value: str) -> Token | None:
        """The live token with this value, or None when it is unknown or expired."""
        row = self._tokens.get(value)
        if row is None:
            return None
        token = Token._make(row)
        if self._now() >= token.expires_at:
            self._forget(token)
            return None
        return token

    def revoke_client(self, client_id: str) -> None:
        for value in self._by_client.pop(client_id, {}):
            self._tokens.pop(value, None)

    def clear(self) -> None:
        self._tokens.clear()
        self._by_client.clear()

    def _forget(self, token: Token) -> None:
        self._tokens.pop(token.value, None)
        mine = self._by_client.get(token.client_id)
        if mine is not None:
            mine.pop(token.value, None)
