"""Digest authentication, the server's half (RFC 3261 section 22, RFC 7616 hashing, RFC 8760 algorithms for SIP).

Challenges offer the configured algorithms, most preferred first, with ``qop="auth"``. The default is MD5 alone,
as FreeSWITCH (APIdaze's platform) offers: some clients fail outright when any challenge names an algorithm they do
not know (baresip on libre 1.x does), so SHA-256 is opt-in (``--sip-digest SHA-256,MD5``). Nonces need no table:
each carries the instant it was issued (emulator clock) and an HMAC under a key made at start, so a nonce the
emulator did not issue is refused and one older than its lifetime is answered with a new challenge and
``stale=true``, on which clients retry without asking the user again. Moving the emulator's clock past a nonce's
lifetime makes it stale, as real time would.

Replayed ``nc`` values are not tracked: the emulator is a development tool on a trusted machine, and a nonce's
short life bounds a replay.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from aiosipua import parse_auth

ALGORITHMS: dict[str, Callable[[bytes], hashlib._Hash]] = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
DEFAULT_ALGORITHMS = ("MD5",)
_STAMP = struct.Struct(">d8s")
_MAC_BYTES = 16


class NonceState(Enum):
    FRESH = "fresh"
    STALE = "stale"
    FOREIGN = "foreign"


class Nonces:
    """Issues and checks nonces; ``now`` is the emulator's clock."""

    def __init__(self, now: Callable[[], float], lifetime: float) -> None:
        self._now = now
        self._lifetime = lifetime
        self._key = secrets.token_bytes(32)

    def issue(self) -> str:
        stamp = _STAMP.pack(self._now(), secrets.token_bytes(8))
        return base64.urlsafe_b64encode(stamp + self._mac(stamp)).decode().rstrip("=")

    def check(self, nonce: str) -> NonceState:
        try:
            raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4))
        except ValueError:
            return NonceState.FOREIGN
        stamp, mac = raw[: _STAMP.size], raw[_STAMP.size :]
        if len(stamp) != _STAMP.size or not hmac.compare_digest(mac, self._mac(stamp)):
            return NonceState.FOREIGN
        issued, _ = _STAMP.unpack(stamp)
        # A nonce from the future (the clock was moved back) is as unusable as an old one.
        return NonceState.FRESH if 0 <= self._now() - issued <= self._lifetime else NonceState.STALE

    def _mac(self, stamp: bytes) -> bytes:
        return hmac.digest(self._key, stamp, "sha256")[:_MAC_BYTES]


def algorithms(names: str) -> tuple[str, ...]:
    """``"SHA-256,MD5"`` as a checked tuple, in the order given (RFC 8760 section 2.4: most preferred first)."""
    chosen = tuple(dict.fromkeys(name.strip().upper() for name in names.split(",") if name.strip()))
    unknown = [name for name in chosen if name not in ALGORITHMS]
    if not chosen or unknown:
        raise ValueError(f"digest algorithms are {' and '.join(ALGORITHMS)}, comma-separated; not {names!r}")
    return chosen


def challenges(realm: str, nonce: str, offered: tuple[str, ...], *, stale: bool = False) -> list[str]:
    """One ``WWW-Authenticate`` (or ``Proxy-Authenticate``) value per offered algorithm, in order."""
    tail = ", stale=true" if stale else ""
    return [f'Digest realm="{realm}", nonce="{nonce}", algorithm={name}, qop="auth"{tail}' for name in offered]


@dataclass(frozen=True)
class Credentials:
    """An ``Authorization`` (or ``Proxy-Authorization``) header's digest parameters."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str = "MD5"
    qop: str = ""
    nc: str = ""
    cnonce: str = ""

    @classmethod
    def parse(cls, value: str, offered: tuple[str, ...]) -> Credentials | None:
        """The digest credentials in ``value``, or ``None`` when it is no Digest header for an offered algorithm."""
        parsed = parse_auth(value, credentials=True)
        params = {key.lower(): item for key, item in parsed.params.items()}
        if parsed.scheme.lower() != "digest" or any(
            not params.get(key) for key in ("username", "realm", "nonce", "uri", "response")
        ):
            return None
        algorithm = params.get("algorithm", "MD5").upper()
        qop = params.get("qop", "").lower()
        if (
            algorithm not in offered
            or qop not in ("", "auth")
            or (qop and not (params.get("nc") and params.get("cnonce")))
        ):
            return None
        return cls(
            params["username"],
            params["realm"],
            params["nonce"],
            params["uri"],
            params["response"].lower(),
            algorithm,
            qop,
            params.get("nc", ""),
            params.get("cnonce", ""),
        )

    def expected(self, method: str, password: str) -> str:
        """The response a client that knows ``password`` computes (RFC 7616 section 3.4.1; RFC 2069 without qop)."""
        digest = ALGORITHMS[self.algorithm]

        def h(text: str) -> str:
            return digest(text.encode()).hexdigest()

        ha1 = h(f"{self.username}:{self.realm}:{password}")
        ha2 = h(f"{method}:{self.uri}")
        if self.qop:
            return h(f"{ha1}:{self.nonce}:{self.nc}:{self.cnonce}:{self.qop}:{ha2}")
        return h(f"{ha1}:{self.nonce}:{ha2}")

    def match(self, method: str, password: str) -> bool:
        # Constant time, so timing tells nothing about how much of a guessed response was right.
        return hmac.compare_digest(self.expected(method, password).encode(), self.response.encode())
