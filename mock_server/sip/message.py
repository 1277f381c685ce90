"""SIP messages in and out: aiosipua parses and serializes; this module adds the checks a server needs before acting.

aiosipua's parser is lenient by design (it keeps what it can of a broken message). The emulator acts on what it
reads (accounts, expiry, calls), so :func:`read` also insists on a well-formed start line, the mandatory headers
once each, Vias with a host, balanced quotes in From and To, a CSeq that is a number and names the method, and a
Content-Length the body can satisfy. What fails is :class:`Malformed`: answered (400, or 505 for another SIP
version) when the message can be answered at all, dropped otherwise.
"""

from __future__ import annotations

import re

from aiosipua import SipMessage, SipRequest, SipResponse, generate_tag, parse_address, parse_via, stringify_via

from mock_server import __version__

SERVER = f"apidaze-mock/{__version__}"
# RFC 3261 section 25.1: a method is a token; the version is SIP/2.0; a Request-URI has no spaces.
_REQUEST_LINE = re.compile(rb"([!%*_+`'~A-Za-z0-9.-]{1,64}) (\S{1,2048}) SIP/([0-9]{1,3}\.[0-9]{1,3})")
_STATUS_LINE = re.compile(rb"SIP/2\.0 ([1-6][0-9][0-9]) [^\r\n]*")
_DIGITS = re.compile(r"[0-9]{1,10}")
REQUIRED = ("via", "from", "to", "call-id", "cseq")
SINGLE = ("from", "to", "call-id", "cseq", "max-forwards", "content-length", "expires")
# A CSeq number is below 2**31 (RFC 3261 section 8.1.1.5).
MAX_CSEQ = 2**31 - 1


class Malformed(ValueError):
    """A message the emulator will not act on. ``request`` is set when it can still be answered (it has a Via)."""

    def __init__(self, reason: str, request: SipRequest | None = None, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request = request
        self.status = status


def read(data: bytes) -> SipRequest | SipResponse:
    """One SIP message from the wire, checked; raises :class:`Malformed`."""
    head, _, body = data.partition(b"\r\n\r\n")
    start, _, _ = head.partition(b"\r\n")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("headers are not UTF-8") from None
    request_line = _REQUEST_LINE.fullmatch(start)
    if request_line is None and _STATUS_LINE.fullmatch(start) is None:
        raise Malformed("not a SIP/2.0 request or status line")
    try:
        message = SipMessage.parse(data)
    except ValueError:
        raise Malformed("unparsable") from None
    if isinstance(message, SipResponse):
        return message
    answerable = message if message.headers.get("via") else None
    missing = [name for name in REQUIRED if not message.headers.get_first(name)]
    if missing:
        raise Malformed(f"missing {', '.join(missing)}", answerable)
    assert request_line is not None
    if request_line.group(3) != b"2.0":
        raise Malformed("only SIP/2.0 is spoken here", answerable, 505)
    repeated = [name for name in SINGLE if len(message.headers.get(name)) > 1]
    if repeated:
        raise Malformed(f"more than one {', '.join(repeated)}", answerable)
    if any(not parse_via(via).host for via in message.headers.get("via")):
        raise Malformed("a Via has no host", answerable)
    _check_cseq(message, answerable)
    _check_length(message, body, answerable)
    for name in ("from", "to"):
        value = message.headers.get_first(name) or ""
        if not _balanced(value) or not parse_address(value).uri.host:
            raise Malformed(f"{name.title()} is no name-addr or addr-spec", answerable)
    return message


def _balanced(value: str) -> bool:
    """Every quoted string closed (RFC 3261 section 25.1: a backslash escapes the next character in one)."""
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
    return not quoted


def _check_cseq(message: SipRequest, answerable: SipRequest | None) -> None:
    number, _, method = (message.headers.get_first("cseq") or "").strip().partition(" ")
    if _DIGITS.fullmatch(number) is None or int(number) > MAX_CSEQ:
        raise Malformed("CSeq number is not a whole number below 2**31", answerable)
    if method.strip() != message.method:
        raise Malformed("CSeq method differs from the request's", answerable)


def _check_length(message: SipRequest, body: bytes, answerable: SipRequest | None) -> None:
    declared = message.headers.get_first("content-length")
    if declared is None:
        return
    if _DIGITS.fullmatch(declared.strip()) is None:
        raise Malformed("Content-Length is not a whole number", answerable)
    # RFC 3261 section 18.3: a body shorter than Content-Length is an error; extra bytes are ignored.
    if int(declared) > len(body):
        raise Malformed("Content-Length is larger than the body", answerable)


def stamp_source(request: SipRequest, host: str, port: int) -> None:
    """Write where the request really came from into its top Via (RFC 3261 18.2.1, RFC 3581 ``rport``)."""
    vias = request.headers.get("via")
    via = parse_via(vias[0])
    if via.host != host:
        via.params["received"] = host
    if "rport" in via.params and not via.params["rport"]:
        via.params["rport"] = str(port)
    request.headers.remove("via")
    for value in [stringify_via(via), *vias[1:]]:
        request.headers.append("Via", value)


def response(
    request: SipRequest,
    status: int,
    reason: str,
    *,
    to_tag: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
    content_type: str | None = None,
) -> SipResponse:
    """A response to ``request``: its Via, From, To (with a tag), Call-ID and CSeq, then ``headers``."""
    reply = SipResponse(status_code=status, reason_phrase=reason)
    for via in request.headers.get("via"):
        reply.headers.append("Via", via)
    for name in ("from", "call-id", "cseq"):
        value = request.headers.get_first(name)
        if value is not None:
            reply.headers.set_single(name, value)
    to = request.headers.get_first("to") or ""
    if status > 100 and ";tag=" not in to.replace(" ", "").lower():
        to = f"{to};tag={to_tag or generate_tag()}"
    reply.headers.set_single("To", to)
    reply.headers.set_single("Server", SERVER)
    for name, value in headers:
        reply.headers.append(name, value)
    if content_type is not None:
        reply.headers.set_single("Content-Type", content_type)
    reply.body = body
    return reply
