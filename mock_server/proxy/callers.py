"""Which OAuth client a call is from, as far as the proxy saw it: the token endpoint's answers tie tokens to clients.

A token request names its client (form body or HTTP Basic). Its answer's ``access_token`` is remembered as a SHA-256
digest, never as the token, with the client the answer names; a later call bearing that token is that client's. A
token the proxy never saw issued leaves the call unattributed. At most ``capacity`` tokens are remembered, oldest
forgotten first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

DEFAULT_CAPACITY = 10_000


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", errors="replace")).digest()


def named_client(headers: Mapping[str, str], body: bytes) -> str | None:
    """The client id a token request names: in its form body, else in its HTTP Basic credentials."""
    for key, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        if key == "client_id" and value:
            return value
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, _ = decoded.partition(":")
    if not colon:
        return None
    # RFC 6749 section 2.3.1: form-urlencoded before base64.
    return unquote(client_id.replace("+", " ")) or None


class Callers:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._clients: OrderedDict[bytes, str] = OrderedDict()

    def bearer(self, headers: Mapping[str, str]) -> str | None:
        """The client whose token this call bears, when the proxy saw it issued."""
        scheme, _, token = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self._clients.get(_digest(token.strip()))

    def learn(self, answer: Any, named: str | None) -> str | None:
        """Remember the token of a successful token answer; the client it belongs to (the answer's, else ``named``)."""
        if not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str):
            return None
        client_id = answer.get("client_id") if isinstance(answer.get("client_id"), str) else named
        if not client_id:
            return None
        digest = _digest(answer["access_token"])
        self._clients[digest] = client_id
        self._clients.move_to_end(digest)
        while len(self._clients) > self.capacity:
            self._clients.popitem(last=False)
        return client_id
