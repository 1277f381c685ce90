"""The SIP side of the emulator: one object to start and stop, and the dispatch of each request by method.

Started in the event loop that serves HTTP, it shares the emulator's state without locks: a softphone's
registration shows in the status endpoint, and its calls in the call log, the moment they happen.
"""

from __future__ import annotations

import logging

from aiosipua import SipRequest

from mock_server.sip.accounts import Authenticator
from mock_server.sip.calls import Calls
from mock_server.sip.digest import DEFAULT_ALGORITHMS, Nonces
from mock_server.sip.guards import FailureGuard
from mock_server.sip.limits import SipLimits
from mock_server.sip.message import Malformed, read, response, stamp_source
from mock_server.sip.registrar import Registrar
from mock_server.sip.transport import Peer, SipTransports
from mock_server.state import EmulatorState

logger = logging.getLogger("apidaze_mock.sip")

ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REGISTER"
SCHEMES = ("sip", "sips", "tel")


class SipServer:
    """Registrar and call handler on UDP and TCP. ``await start(host, port)``; ``port=0`` picks a free one.

    ``digest`` names the digest algorithms challenges offer, most preferred first (MD5 alone by default).
    """

    def __init__(
        self, state: EmulatorState, limits: SipLimits | None = None, digest: tuple[str, ...] = DEFAULT_ALGORITHMS
    ) -> None:
        self.state = state
        self.limits = limits or SipLimits()
        self.transports = SipTransports(self.receive, self.limits)
        nonces = Nonces(state.clock.now, self.limits.nonce_lifetime)
        auth = Authenticator(state, nonces, FailureGuard(self.limits), digest)
        self.registrar = Registrar(state, auth, self.limits)
        self.calls = Calls(state, auth, self.limits, self.transports)

    @property
    def host(self) -> str:
        return self.transports.host

    @property
    def port(self) -> int:
        return self.transports.port

    async def start(self, host: str = "127.0.0.1", port: int = 5060) -> None:
        """Listen on UDP and TCP; raises ``OSError`` when the port is taken."""
        await self.transports.start(host, port)

    async def stop(self) -> None:
        await self.calls.stop()
        await self.transports.stop()

    def receive(self, data: bytes, peer: Peer) -> None:
        """One message from the wire: checked, then answered or acted on. A response to us (to a BYE) is ignored."""
        try:
            message = read(data)
        except Malformed as malformed:
            self._bad(malformed, peer)
            return
        if not isinstance(message, SipRequest):
            return
        try:
            stamp_source(message, peer.host, peer.port)
            self._dispatch(message, peer)
        except Malformed as malformed:
            self._bad(malformed, peer)
        except ValueError:
            # aiosipua parses header values when they are read; one it cannot read is the sender's mistake.
            self._bad(Malformed("a header that cannot be read", message), peer)
        except Exception:
            logger.exception("SIP %s from %s failed", message.method, peer)
            if message.method != "ACK":
                peer.send(bytes(response(message, 500, "Server Internal Error")))

    def _bad(self, malformed: Malformed, peer: Peer) -> None:
        logger.info("SIP message from %s refused: %s", peer, malformed.reason)
        request = malformed.request
        if request is not None and request.method != "ACK":
            # The reason phrase is ours, never the sender's text: no line breaks, nothing to inject.
            kind = "Bad Request" if malformed.status == 400 else "Version Not Supported"
            phrase = f"{kind} ({malformed.reason})".encode("ascii", "replace").decode()[:160]
            peer.send(bytes(response(request, malformed.status, phrase.replace("\r", " ").replace("\n", " "))))

    def _dispatch(self, request: SipRequest, peer: Peer) -> None:
        method = request.method
        if method != "ACK" and request.uri.partition(":")[0].lower() not in SCHEMES:
            peer.send(bytes(response(request, 416, "Unsupported URI Scheme")))
            return
        match method:
            case "REGISTER":
                peer.send(bytes(self.registrar.register(request, peer)))
            case "INVITE":
                self.calls.invite(request, peer)
            case "ACK":
                self.calls.ack(request)
            case "BYE":
                self.calls.bye(request, peer)
            case "CANCEL":
                self.calls.cancel(request, peer)
            case "INFO":
                self.calls.info(request, peer)
            case "OPTIONS":
                headers = (("Allow", ALLOW), ("Accept", "application/sdp"), ("Accept-Language", "en"))
                peer.send(bytes(response(request, 200, "OK", headers=headers)))
            case _:
                peer.send(bytes(response(request, 405, "Method Not Allowed", headers=(("Allow", ALLOW),))))
