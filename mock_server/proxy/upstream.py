"""Forwarding one call to the upstream API with httpx: as the client sent it, within a time bound.

The request goes on unchanged but for its hop-by-hop headers (RFC 9110 section 7.6.1) and ``Host``; the answer comes
back unchanged too, its body exactly as sent (still content-coded) beside a decoded copy for the contract checks.
Nothing is added: no ``User-Agent`` of httpx's, no cookies, no redirects followed. Whatever keeps an answer from
coming (unreachable host, TLS failure, broken exchange, an answer over the size bound) is a :class:`BadGateway`,
and no answer within ``timeout`` seconds a :class:`GatewayTimeout`, each naming the cause.

``trust_env`` is on, so ``HTTPS_PROXY``/``NO_PROXY`` and ``SSL_CERT_FILE`` work as for any httpx client in CI.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx

from mock_server.errors import ApiError, BadGateway, GatewayTimeout

DEFAULT_TIMEOUT = 30.0
# The largest answer the proxy holds to check: far above any answer of this API (a list of SIP accounts).
MAX_ANSWER_BYTES = 16 * 1024 * 1024
_HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)


@dataclass(frozen=True)
class UpstreamAnswer:
    """The upstream's answer: ``headers`` and ``raw`` as sent (hop-by-hop headers left out), ``body`` decoded."""

    status: int
    headers: list[tuple[bytes, bytes]]
    raw: bytes
    body: bytes


def upstream_url(url: str, allow_http: bool) -> httpx.URL:
    """The upstream's base URL, checked: https (http only when allowed), a host, no user, query or fragment."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise ValueError(f"--upstream {url!r}: {error}") from None
    if parsed.userinfo:
        # Not quoted: the URL holds a password. Clients send their own credentials, and httpx would replace them.
        raise ValueError("--upstream: no user or password in the URL, only scheme, host, port and path")
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise ValueError(f"--upstream {url!r}: give an absolute https:// URL such as https://api-prd.kpn.com")
    if parsed.scheme == "http" and not allow_http:
        raise ValueError(
            f"--upstream {url!r} is plain http: tokens and secrets would cross the network in clear text. "
            "Use https, or --allow-http-upstream for a local upstream."
        )
    if parsed.query or parsed.fragment:
        raise ValueError(f"--upstream {url!r}: no query or fragment, only scheme, host, port and path")
    return parsed


def _hop_by_hop(headers: Iterable[tuple[bytes, bytes]]) -> frozenset[bytes]:
    """The standard hop-by-hop names, and those a ``Connection`` header lists."""
    listed = {
        token.strip().lower() for name, value in headers if name.lower() == b"connection" for token in value.split(b",")
    }
    return _HOP_BY_HOP | listed


def _tls_failure(error: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class Upstream:
    """The real API (or any server speaking its contract) behind the proxy."""

    def __init__(
        self,
        url: str,
        *,
        allow_http: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        ca_file: Path | None = None,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self.url = upstream_url(url, allow_http)
        self.timeout = timeout
        self.max_answer_bytes = max_answer_bytes
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(ca_file)) if ca_file else True
        self._timeouts = httpx.Timeout(timeout).as_dict()
        self._client = httpx.AsyncClient(verify=verify, follow_redirects=False, trust_env=True)

    async def forward(
        self, method: str, raw_path: bytes, query: bytes, headers: Iterable[tuple[bytes, bytes]], body: bytes
    ) -> UpstreamAnswer:
        """Send the call upstream and read the whole answer; :class:`BadGateway` or :class:`GatewayTimeout` else."""
        headers = list(headers)
        skipped = _hop_by_hop(headers) | {b"host", b"content-length"}
        target = self.url.raw_path.rstrip(b"/") + raw_path + (b"?" + query if query else b"")
        request = httpx.Request(
            method,
            self.url.copy_with(raw_path=target),
            headers=[(name, value) for name, value in headers if name.lower() not in skipped],
            content=body,
            extensions={"timeout": self._timeouts},
        )
        where = f"{method} {self.url.copy_with(raw_path=self.url.raw_path.rstrip(b'/') + raw_path)}"
        try:
            with anyio.fail_after(self.timeout):
                return await self._exchange(request, where)
        except TimeoutError:
            raise GatewayTimeout(info=f"apidaze-mock proxy: no answer within {self.timeout:g} s to {where}") from None
        except httpx.TimeoutException as error:
            raise GatewayTimeout(
                info=f"apidaze-mock proxy: {type(error).__name__} after {self.timeout:g} s on {where}"
            ) from None
        except httpx.TransportError as error:
            raise _bad_gateway(error, where) from None

    async def _exchange(self, request: httpx.Request, where: str) -> UpstreamAnswer:
        response = await self._client.send(request, stream=True)
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > self.max_answer_bytes:
                    raise BadGateway(
                        "The upstream's answer is too large to check.",
                        info=f"apidaze-mock proxy: over {self.max_answer_bytes} bytes from {where}",
                    )
                chunks.append(chunk)
        finally:
            await response.aclose()
        raw = b"".join(chunks)
        skipped = _hop_by_hop(response.headers.raw)
        kept = [(name, value) for name, value in response.headers.raw if name.lower() not in skipped]
        return UpstreamAnswer(response.status_code, kept, raw, _decoded(kept, raw, where))

    async def aclose(self) -> None:
        await self._client.aclose()


def _decoded(headers: list[tuple[bytes, bytes]], raw: bytes, where: str) -> bytes:
    """The body with its content coding undone (gzip, deflate, and br or zstd where their decoders are installed)."""
    if not any(name.lower() == b"content-encoding" for name, _ in headers):
        return raw
    try:
        return httpx.Response(200, headers=headers, content=raw).content
    except httpx.DecodingError as error:
        raise BadGateway(
            "The upstream's answer could not be decoded.", info=f"apidaze-mock proxy: {error} ({where})"
        ) from None


def _bad_gateway(error: httpx.TransportError, where: str) -> ApiError:
    tls = _tls_failure(error)
    if tls is not None:
        reason = getattr(tls, "verify_message", None) or tls.reason or str(tls)
        return BadGateway(
            f"TLS with the upstream failed: {reason}.",
            info=f"apidaze-mock proxy: {where} (--upstream-ca FILE names the CA to trust)",
        )
    cause = str(error) or type(error).__name__
    if isinstance(error, httpx.ConnectError):
        return BadGateway(f"The upstream could not be reached: {cause}.", info=f"apidaze-mock proxy: {where}")
    return BadGateway(f"The upstream broke the exchange: {cause}.", info=f"apidaze-mock proxy: {where}")
