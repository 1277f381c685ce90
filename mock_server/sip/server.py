"""The SIP side of the emulator: one object to start and stop, and the dispatch of each request by method.

Started in the event loop that serves HTTP, it shares the emulator's state without locks: a softphone's
registration shows in the status endpoint, and its calls in the call log, the moment they happen.
"""

from __future__ import annotations

import logging

from aiosipua import SipRequest

from mock_server.domain.journal import JournalEntry
from mock_server.sip.accounts import Authenticator
from mock_server.sip.calls import Calls
from mock_server.sip.digest import DEFAULT_ALGORITHMS, Nonces
from mock_server.sip.guards import FailureGuard
from mock_server.sip.journaling import journaled
from mock_server.sip.limits import SipLimits
from mock_server.sip.message import Malformed, read, response, stamp_source
from mock_server.sip.registrar import Registrar
from mock_server.sip.transport import Peer, SipTransports
from mock_server.state import EmulatorState

logger = logging.getLogger("apidaze_mock.sip")

ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REGISTER"
SCHEMES = ("sip", "sips", "tel")


class SipServer:
    """Registrar and call handler on UDP and TCP: ``bind(host, port)`` (``port=0``: a free one), then ``await start()``
    on the loop that serves HTTP, and ``await stop()``.

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

    def bind(self, host: str = "127.0.0.1", port: int = 5060) -> None:
        """Take the UDP and TCP port now, before serving (``port=0``: a free one); raises ``OSError`` when taken."""
        self.transports.bind(host, port)

    async def start(self) -> None:
        """Serve the bound port on the running event loop (the one that serves HTTP)."""
        await self.transports.start()
        self.state.sip_address = (self.host, self.port)

    async def stop(self) -> None:
        self.state.sip_address = None
        await self.calls.stop()
        await self.transports.stop()

    def receive(self, data: bytes, peer: Peer) -> None:
        """One message from the wire: checked, then answered or acted on. A response to us (to a BYE) is ignored.

        Each request that gets an answer is filed in the request journal; an unexpected exception is answered 500
        and kept in the state's server errors, where the pytest fixture finds it.
        """
        try:
            message = read(data)
        except Malformed as malformed:
            if malformed.request is not None and malformed.request.method != "ACK":
                self._bad(malformed, self._journaled(malformed.request, peer)[0])
            return
        if not isinstance(message, SipRequest):
            return
        entry = None
        if message.method != "ACK":
            peer, entry = self._journaled(message, peer)
        try:
            stamp_source(message, peer.host, peer.port)
            client_id = self._dispatch(message, peer)
        except Malformed as malformed:
            self._bad(malformed, peer)
        except ValueError:
            # aiosipua parses header values when they are read; one it cannot read is the sender's mistake.
            self._bad(Malformed("a header that cannot be read", message), peer)
        except Exception as error:
            logger.exception("SIP %s from %s failed", message.method, peer)
            self.state.server_errors.record(self.state.clock.now(), message.method, message.uri, error)
            if entry is not None:
                peer.send(bytes(response(message, 500, "Server Internal Error")))
        else:
            if entry is not None:
                entry.client_id = client_id

    def _journaled(self, request: SipRequest, peer: Peer) -> tuple[Peer, JournalEntry]:
        return journaled(self.state.journal, self.state.clock, request, peer)

    def _bad(self, malformed: Malformed, peer: Peer) -> None:
        logger.info("SIP message from %s refused: %s", peer, malformed.reason)
        request = malformed.request
        if request is not None and request.method != "ACK":
            # The reason phrase is ours, never the sender's text: no line breaks, nothing to inject.
            kind = "Bad Request" if malformed.status == 400 else "Version Not Supported"
            phrase = f"{kind} ({malformed.reason})".encode("ascii", "replace").decode()[:160]
            peer.send(bytes(response(request, malformed.status, phrase.replace("\r", " ").replace("\n", " "))))

    def _dispatch(self, request: SipRequest, peer: Peer) -> str | None:
        """Act on one request; the client id of the account it authenticated as, when it did."""
        method = request.method
        if method != "ACK" and request.uri.partition(":")[0].lower() not in SCHEMES:
            peer.send(bytes(response(request, 416, "Unsupported URI Scheme")))
            return None
        match method:
            case "REGISTER":
                answer, client_id = self.registrar.register(request, peer)
                peer.send(bytes(answer))
                return client_id
            case "INVITE":
                return self.calls.invite(request, peer)
            case "ACK":
                self.calls.ack(request)
            case "BYE":
                return self.calls.bye(request, peer)
            case "CANCEL":
                return self.calls.cancel(request, peer)
            case "INFO":
                return self.calls.info(request, peer)
            case "OPTIONS":
                headers = (("Allow", ALLOW), ("Accept", "application/sdp"), ("Accept-Language", "en"))
                peer.send(bytes(response(request, 200, "OK", headers=headers)))
            case _:
                peer.send(bytes(response(request, 405, "Method Not Allowed", headers=(("Allow", ALLOW),))))
        return None
