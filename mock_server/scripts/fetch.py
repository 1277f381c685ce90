"""Fetching a script the way APIdaze does, with guards so the emulator cannot be turned against other machines.

Only http(s), only allowed hosts (loopback unless configured), one overall time-out, a size cap read as the body
streams in, and at most one redirect (to an allowed host too). A failure is a value, never an exception: the test
endpoint reports it as a finding and the simulator as an event.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from uuid import uuid4

import httpx

from mock_server.addresses import is_loopback

LOOPBACK = "loopback"
ANY_HOST = "*"
DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_MAX_BYTES = 256 * 1024
MAX_REDIRECTS = 1
MAX_PORT = 65535
# What a request or an answer can raise besides httpx's own errors: sockets (OSError), anyio on odd addresses
# (OverflowError), URL and IDNA problems (httpx.InvalidURL, ValueError). Each becomes a failure value.
FETCH_ERRORS = (httpx.HTTPError, httpx.InvalidURL, OSError, OverflowError, ValueError)
# Identity only: the size cap then counts the bytes that arrive, and no small gzip body can inflate in memory.
HEADERS = {"Accept": "text/xml", "Accept-Encoding": "identity"}


@dataclass(frozen=True)
class FetchPolicy:
    """Where scripts may be fetched from. ``allowed_hosts`` holds host names, IP literals, ``loopback`` (127/8,
    ::1 and localhost) or ``*`` (anything: only on a machine whose network you trust)."""

    allowed_hosts: frozenset[str] = frozenset({LOOPBACK})
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_hosts(
        cls,
        hosts: Iterable[str] | None,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> FetchPolicy:
        """A policy from a list such as ``--script-hosts``'s; ``None`` means loopback only, an empty list no host at
        all (the default of an emulator listening beyond loopback)."""
        if hosts is None:
            return cls(frozenset({LOOPBACK}), timeout_seconds, max_bytes)
        return cls(frozenset(host.strip().lower() for host in hosts if host.strip()), timeout_seconds, max_bytes)

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be fetched, or ``None``."""
        try:
            parsed = httpx.URL(url)
            host = parsed.host.lower()  # decodes IDNA: raises for a malformed A-label such as xn--
        except (httpx.InvalidURL, ValueError) as error:  # idna's IDNAError is a ValueError
            return f"invalid URL {url!r}: {error}"
        if parsed.scheme not in ("http", "https"):
            return f"only http and https URLs are fetched, not {parsed.scheme or 'a relative URL'!r}"
        if not host:
            return f"URL {url!r} has no host"
        if parsed.port is not None and not 1 <= parsed.port <= MAX_PORT:
            return f"invalid URL {url!r}: port {parsed.port} is outside 1-{MAX_PORT}"
        if ANY_HOST in self.allowed_hosts or host in self.allowed_hosts:
            return None
        if LOOPBACK in self.allowed_hosts and is_loopback(host):
            return None
        if not self.allowed_hosts:
            return (
                f"host {host!r} is not allowed: this emulator listens beyond loopback and fetches scripts from no "
                "host unless started with --script-hosts"
            )
        return f"host {host!r} is not allowed (allowed: {', '.join(sorted(self.allowed_hosts))}); see --script-hosts"

    def describe(self) -> str:
        """The hosts scripts may come from, for the banner."""
        if not self.allowed_hosts:
            return "no host (listening beyond loopback: allow some with --script-hosts)"
        return "any host" if ANY_HOST in self.allowed_hosts else ", ".join(sorted(self.allowed_hosts))


@dataclass(frozen=True)
class FetchResult:
    """What came back: the final URL, status, content type and body; ``error`` says why there is no answer."""

    url: str
    status_code: int | None = None
    content_type: str = ""
    body: bytes = b""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        """The body as text, bytes that are not UTF-8 replaced."""
        return self.body.decode("utf-8", errors="replace")


Fetch = Callable[[str, Mapping[str, str]], Awaitable[FetchResult]]


# The call's own parameters a caller of the test endpoint or the simulator may set; anything else is an extra.
CALL_FIELDS = ("caller_id_number", "destination_number", "caller_username", "session_id", "uuid")


@dataclass(frozen=True)
class CallParameters:
    """The query parameters APIdaze sends with every script fetch of one call."""

    caller_id_number: str = "+31612345678"
    destination_number: str = "+31201234567"
    caller_username: str = "caller"
    session_id: str = field(default_factory=lambda: str(uuid4()))
    uuid: str = field(default_factory=lambda: str(uuid4()))
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> CallParameters:
        """Split a query into the call's own parameters and the extras passed along as they are."""
        extra = {name: value for name, value in query.items() if name not in CALL_FIELDS}
        return cls(**{name: query[name] for name in CALL_FIELDS if name in query}, extra=extra)

    def calling_from(self, uris: Mapping[str, str]) -> CallParameters:
        """These parameters for a call placed from one of the client's SIP accounts (``uris``: username -> SIP URI):
        APIdaze adds ``sip_from_uri`` when ``caller_username`` is one of them (apidaze.github.io, 2014-01-12), as
        FreeSWITCH (the platform under APIdaze) fills its variable: ``user@domain``, without the ``sip:`` scheme, the
        same value a softphone's call sends (:mod:`mock_server.sip.calls`)."""
        uri = uris.get(self.caller_username)
        if uri is None:
            return self
        return replace(self, extra={**self.extra, "sip_from_uri": uri.removeprefix("sip:")})

    def for_url(self, url: str, **event: str) -> dict[str, str]:
        """The query of one fetch of ``url``: the call's parameters, then the caller's extras, then the event's."""
        return {
            "session_id": self.session_id,
            "uuid": self.uuid,
            "destination_number": self.destination_number,
            "caller_id_number": self.caller_id_number,
            "caller_username": self.caller_username,
            "url": url,
            **self.extra,
            **event,
        }


@cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every fetch: making one loads the CA bundle, 130 ms of each fetch otherwise."""
    return httpx.create_ssl_context(trust_env=False)


class ScriptFetcher:
    """``await fetcher(url, params)``: a GET as APIdaze sends it, within ``policy``."""

    def __init__(self, policy: FetchPolicy | None = None, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self._transport = transport

    async def __call__(self, url: str, params: Mapping[str, str]) -> FetchResult:
        return await self._within_time(url, params, None)

    async def head(self, url: str, size: int) -> FetchResult:
        """The first ``size`` bytes of ``url`` (a plain GET), within the same policy: a media file's header."""
        return await self._within_time(url, {}, size)

    async def _within_time(self, url: str, params: Mapping[str, str], head: int | None) -> FetchResult:
        try:
            async with asyncio.timeout(self.policy.timeout_seconds):
                return await self._fetch(url, params, head)
        except TimeoutError:
            return FetchResult(url, error=f"no complete answer within {self.policy.timeout_seconds:g} s")

    async def _fetch(self, url: str, params: Mapping[str, str], head: int | None) -> FetchResult:
        # trust_env=False: no proxy or .netrc from the environment may redirect or decorate the request.
        async with httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            verify=tls_context(),
            timeout=self.policy.timeout_seconds,
            transport=self._transport,
        ) as client:
            query: Mapping[str, str] | None = params
            for _ in range(MAX_REDIRECTS + 1):
                refusal = self.policy.refusal(url)
                if refusal is not None:
                    return FetchResult(url, error=refusal)
                try:
                    request = client.build_request("GET", url, params=query, headers=HEADERS)
                    response = await client.send(request, stream=True)
                except FETCH_ERRORS as error:
                    return FetchResult(url, error=f"cannot fetch {url}: {error.__class__.__name__}: {error}".strip())
                try:
                    if not response.is_redirect:
                        return await self._read(url, response, head)
                    location = response.headers.get("location", "")
                finally:
                    await response.aclose()
                # The redirect target already carries its own query; APIdaze's parameters are not added twice.
                # httpx has parsed the Location in send(): an invalid one is an HTTPError there, caught above.
                url, query = str(response.url.join(location)), None
            return FetchResult(url, error=f"more than {MAX_REDIRECTS} redirect: give the final URL of the script")

    async def _read(self, url: str, response: httpx.Response, head: int | None = None) -> FetchResult:
        """The answer's body, refused past the size cap; with ``head``, only its first ``head`` bytes."""
        limit = self.policy.max_bytes if head is None else head
        declared = response.headers.get("content-length", "")
        too_large = FetchResult(
            url,
            response.status_code,
            response.headers.get("content-type", ""),
            error=f"the answer is larger than {limit} bytes",
        )
        # ASCII digits only, compared by length first: int() of a huge or non-ASCII "digit" string raises.
        digits = declared.strip().lstrip("0")
        too_long = digits.isascii() and digits.isdigit() and (len(digits) > len(str(limit)) or int(digits) > limit)
        if head is None and too_long:
            return too_large
        encoding = response.headers.get("content-encoding", "identity").lower()
        if encoding != "identity":
            return FetchResult(url, response.status_code, error=f"the answer is {encoding}-encoded; send it plain")
        body = bytearray()
        try:
            async for chunk in response.aiter_raw():
                body += chunk
                if len(body) > limit:
                    if head is not None:
                        break  # the head is all that was asked for
                    return too_large
        except FETCH_ERRORS as error:
            return FetchResult(url, response.status_code, error=f"the answer broke off: {error}")
        return FetchResult(url, response.status_code, response.headers.get("content-type", ""), bytes(body[:limit]))
