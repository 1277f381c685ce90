"""A plain-socket SIP user agent for tests: builds requests by hand and answers digest challenges.

The digest side uses aiosipua's client code (``build_credentials``), written apart from the emulator's server side,
so the two check each other.
"""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Iterable

from aiosipua import SipDigestAuth, SipMessage, SipRequest, SipResponse, build_credentials, parse_auth, stringify_auth

_LENGTH = re.compile(rb"^content-length:\s*(\d+)\s*$", re.IGNORECASE | re.MULTILINE)


class Phone:
    """One SIP user agent on a socket of its own (UDP, or a TCP connection to the server)."""

    def __init__(
        self,
        server: tuple[str, int],
        user: str,
        password: str,
        domain: str,
        transport: str = "udp",
        timeout: float = 2.0,
    ) -> None:
        self.server = server
        self.user = user
        self.password = password
        self.domain = domain
        self.transport = transport
        kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.settimeout(timeout)
        if transport == "udp":
            self.sock.bind(("127.0.0.1", 0))
        else:
            self.sock.connect(server)
        self.host, self.port = self.sock.getsockname()[:2]
        self.call_id = f"{uuid.uuid4()}@test"
        self.tag = uuid.uuid4().hex[:10]
        self.cseq = 0
        self._buffer = b""

    def close(self) -> None:
        self.sock.close()

    # --- the wire ---

    def send_raw(self, data: bytes) -> None:
        if self.transport == "udp":
            self.sock.sendto(data, self.server)
        else:
            self.sock.sendall(data)

    def receive(self) -> SipRequest | SipResponse:
        """The next message; raises ``TimeoutError`` (``socket.timeout``) when none comes."""
        if self.transport == "udp":
            data, _ = self.sock.recvfrom(65536)
            return SipMessage.parse(data)
        while True:
            head_end = self._buffer.find(b"\r\n\r\n")
            if head_end >= 0:
                match = _LENGTH.search(self._buffer[: head_end + 2])
                total = head_end + 4 + (int(match.group(1)) if match else 0)
                if len(self._buffer) >= total:
                    data, self._buffer = self._buffer[:total], self._buffer[total:]
                    return SipMessage.parse(data)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self._buffer += chunk

    def final(self) -> SipResponse:
        """The next response that is not 1xx."""
        while True:
            message = self.receive()
            if isinstance(message, SipResponse) and message.status_code >= 200:
                return message

    def build(
        self,
        method: str,
        uri: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        *,
        to: str | None = None,
        cseq: int | None = None,
        call_id: str | None = None,
    ) -> bytes:
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        transport = "UDP" if self.transport == "udp" else "TCP"
        lines = [
            f"{method} {uri or f'sip:{self.domain}'} SIP/2.0",
            f"Via: SIP/2.0/{transport} {self.host}:{self.port};branch=z9hG4bK{uuid.uuid4().hex[:12]};rport",
            "Max-Forwards: 70",
            f"From: <sip:{self.user}@{self.domain}>;tag={self.tag}",
            f"To: {to or f'<sip:{self.user}@{self.domain}>'}",
            f"Call-ID: {call_id or self.call_id}",
            f"CSeq: {cseq} {method}",
            *(f"{name}: {value}" for name, value in headers),
            f"Content-Length: {len(body)}",
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def request(
        self, method: str, uri: str | None = None, headers: Iterable[tuple[str, str]] = (), **options: object
    ) -> SipResponse:
        self.send_raw(self.build(method, uri, headers, **options))  # type: ignore[arg-type]
        return self.final()

    # --- digest ---

    def authorization(
        self, challenge: SipResponse, method: str, uri: str, algorithm: str = "MD5", password: str | None = None
    ) -> tuple[str, str]:
        """The header that answers ``challenge`` with ``algorithm`` (401: Authorization, 407: Proxy-Authorization)."""
        name = "WWW-Authenticate" if challenge.status_code == 401 else "Proxy-Authenticate"
        offered = [parse_auth(value) for value in challenge.headers.get(name)]
        chosen = next(c for c in offered if c.params.get("algorithm", "MD5").upper() == algorithm)
        credentials = build_credentials(SipDigestAuth(self.user, password or self.password), chosen, method, uri)
        assert credentials is not None
        header = "Authorization" if challenge.status_code == 401 else "Proxy-Authorization"
        return header, stringify_auth(credentials)

    def register(
        self,
        expires: int | None = 300,
        *,
        contact: str | None = None,
        algorithm: str = "MD5",
        password: str | None = None,
        extra: Iterable[tuple[str, str]] = (),
    ) -> SipResponse:
        """REGISTER, answering the challenge; the final response."""
        uri = f"sip:{self.domain}"
        transport = ";transport=tcp" if self.transport == "tcp" else ""
        headers = [("Contact", contact or f"<sip:{self.user}@{self.host}:{self.port}{transport}>"), *extra]
        if expires is not None:
            headers.append(("Expires", str(expires)))
        challenge = self.request("REGISTER", uri, headers)
        if challenge.status_code != 401:
            return challenge
        auth = self.authorization(challenge, "REGISTER", uri, algorithm, password)
        return self.request("REGISTER", uri, [*headers, auth])


OFFER = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio {port} RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n"
)


class Caller(Phone):
    """A phone that places calls: INVITE with an SDP offer, the 407 round, ACK, INFO, BYE and CANCEL."""

    invite_cseq = 0
    to = ""

    def invite(self, number: str = "100", *, offer: str | None = None, wait: bool = True) -> SipResponse | None:
        """Place a call to ``number``; with ``wait``, the final response after authenticating."""
        uri = f"sip:{number}@{self.domain}"
        self.to = f"<{uri}>"
        body = (OFFER.format(port=40000) if offer is None else offer).encode()
        headers = [("Contact", f"<sip:{self.user}@{self.host}:{self.port}>"), ("Content-Type", "application/sdp")]
        challenge = self.request("INVITE", uri, headers, body=body, to=self.to)
        assert challenge.status_code == 407, challenge
        self.send_raw(self.build("ACK", uri, to=challenge.headers.get_first("to"), cseq=self.cseq))
        headers.append(self.authorization(challenge, "INVITE", uri))
        self.send_raw(self.build("INVITE", uri, headers, body, to=self.to))
        self.invite_cseq = self.cseq
        return self.final() if wait else None

    def ack(self, answer: SipResponse) -> None:
        self.to = answer.headers.get_first("to") or self.to
        self.send_raw(self.build("ACK", f"sip:100@{self.domain}", to=self.to, cseq=self.invite_cseq))

    def in_dialog(self, method: str, headers: Iterable[tuple[str, str]] = (), body: bytes = b"") -> bytes:
        return self.build(method, f"sip:100@{self.domain}", headers, body, to=self.to)

    def answer(self, request: SipRequest, status: int = 200, reason: str = "OK") -> None:
        """Answer a request the server sent (its BYE)."""
        lines = [f"SIP/2.0 {status} {reason}"]
        for name in ("via", "from", "to", "call-id", "cseq"):
            lines += [f"{name}: {value}" for value in request.headers.get(name)]
        self.send_raw(("\r\n".join([*lines, "Content-Length: 0"]) + "\r\n\r\n").encode())
