"""Calls from softphones: an authenticated INVITE runs the client's External Script in the call simulator.

This module takes the requests that start, change and end calls and hands them to the running :class:`SipCall`.
Transactions are kept small: a retransmitted INVITE gets the last answer again, a 200 is repeated over UDP until the
ACK comes (RFC 3261 section 13.3.1.4), and an ended call is remembered for 32 s so late retransmissions of its INVITE
are answered rather than started anew.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiosipua import SipRequest, parse_address

from mock_server.domain.calls import CallRecord
from mock_server.scripts.fetch import CallParameters, ScriptFetcher
from mock_server.scripts.simulator import CallScript
from mock_server.sip.accounts import Authenticator, Caller, Refusal
from mock_server.sip.call import TRANSACTION_SECONDS, SipCall
from mock_server.sip.dtmf import INFO_TYPES, info_key
from mock_server.sip.limits import SipLimits
from mock_server.sip.message import response
from mock_server.sip.transport import Peer, SipTransports
from mock_server.state import EmulatorState

logger = logging.getLogger("apidaze_mock.sip")

# Ended calls remembered for late retransmissions, at most.
MAX_REMEMBERED = 1024


class Calls:
    """The running calls by Call-ID, and the requests that start, change and end them."""

    def __init__(self, state: EmulatorState, auth: Authenticator, limits: SipLimits, transports: SipTransports) -> None:
        self.state = state
        self.auth = auth
        self.limits = limits
        self.transports = transports
        self.fetch = ScriptFetcher(state.script_policy)
        self.active: dict[str, SipCall] = {}
        # Call-ID -> (answer to a late INVITE, when to forget it): calls that ended within the last 32 s.
        self._ended: dict[str, tuple[bytes, float]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def invite(self, request: SipRequest, peer: Peer) -> str | None:
        """Start a call, or answer a retransmission or re-INVITE; the caller's client id when known."""
        call_id = request.headers.get_first("call-id") or ""
        existing = self.active.get(call_id)
        if existing is not None:
            self._repeat_or_refresh(existing, request, peer)
            return existing.caller.client_id
        ended = self._ended.get(call_id)
        if ended is not None and ended[1] > time.monotonic():
            peer.send(ended[0])
            return None
        if parse_address(request.headers.get_first("to") or "").tag:
            peer.send(bytes(response(request, 481, "Call/Transaction Does Not Exist")))
            return None
        sender = parse_address(request.headers.get_first("from") or "").uri
        caller = self.auth.check(request, sender.host.lower(), sender.user or "", peer.host, proxy=True)
        if isinstance(caller, Refusal):
            peer.send(bytes(response(request, caller.status, caller.reason, headers=caller.headers)))
            return None
        if len(self.active) >= self.limits.max_calls:
            phrase = f"Too Many Calls (at most {self.limits.max_calls})"
            peer.send(bytes(response(request, 503, phrase, headers=(("Retry-After", "5"),))))
            return caller.client_id
        script = self.state.backends[caller.client_id].external_scripts.current
        if script is None:
            peer.send(bytes(response(request, 404, "No External Script")))
            return caller.client_id
        self._start(request, peer, caller, script.url)
        return caller.client_id

    def _start(self, request: SipRequest, peer: Peer, caller: Caller, url: str) -> None:
        target = parse_address(request.headers.get_first("to") or "").uri
        account = caller.account
        sender = parse_address(request.headers.get_first("from") or "").uri
        parameters = CallParameters(
            caller_id_number=account.internal_caller_id_number or account.username,
            destination_number=target.user or "",
            caller_username=account.username,
            extra={"sip_from_uri": f"{sender.user}@{sender.host}"},
        )
        call_id = request.headers.get_first("call-id") or ""
        sip = {
            "call_id": call_id,
            "from": request.headers.get_first("from") or "",
            "to": request.headers.get_first("to") or "",
            "source": str(peer),
        }
        record = CallRecord(parameters.uuid, "sip", url, self.state.clock.now(), caller.client_id, sip)
        self.state.calls.add(record)
        call = SipCall(self, request, peer, caller, record)
        self.active[call_id] = call
        peer.send(call.last_answer)
        logger.info("SIP call %s from %s@%s to %s runs %s", record.id, account.username, sender.host, target.user, url)
        task = asyncio.get_running_loop().create_task(call.start(CallScript(url, parameters)))
        call.task = task
        self._tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            error = None if finished.cancelled() else finished.exception()
            if error is not None:
                logger.error("SIP call %s failed", call.record.id, exc_info=error)
                self.state.server_errors.record(self.state.clock.now(), "INVITE", call.invite.uri, error)
                call.end("emulator", f"the emulator failed: {error!r}")
            elif call.state != "ended":
                call.end("platform", "the script's call ended")

        task.add_done_callback(done)

    def _repeat_or_refresh(self, call: SipCall, request: SipRequest, peer: Peer) -> None:
        cseq = request.headers.get_first("cseq")
        if cseq == call.invite.headers.get_first("cseq"):
            peer.send(call.last_answer)  # a retransmission
        elif call.state == "confirmed" and call.media is not None:
            # A re-INVITE (hold, session refresh): the same media again.
            call.reply_with_media(request, peer)
        else:
            peer.send(bytes(response(request, 491, "Request Pending", to_tag=call.to_tag)))

    def ack(self, request: SipRequest) -> None:
        call = self.active.get(request.headers.get_first("call-id") or "")
        if call is not None:
            call.acknowledged(request)

    def bye(self, request: SipRequest, peer: Peer) -> str | None:
        call = self._in_dialog(request, peer)
        if call is None:
            return None
        call.reply(request, peer, 200, "OK")
        call.end("caller", "the caller hung up (BYE)")
        return call.caller.client_id

    def cancel(self, request: SipRequest, peer: Peer) -> str | None:
        call = self._in_dialog(request, peer, early=True)
        if call is None:
            return None
        call.reply(request, peer, 200, "OK")
        call.send_answer(response(call.invite, 487, "Request Terminated", to_tag=call.to_tag))
        call.end("caller", "the caller cancelled (CANCEL)")
        return call.caller.client_id

    def info(self, request: SipRequest, peer: Peer) -> str | None:
        call = self._in_dialog(request, peer)
        if call is None:
            return None
        content_type = request.headers.get_first("content-type") or ""
        if content_type.split(";", 1)[0].strip().lower() not in INFO_TYPES:
            headers = (("Accept", ", ".join(INFO_TYPES)),)
            peer.send(bytes(response(request, 415, "Unsupported Media Type", to_tag=call.to_tag, headers=headers)))
        else:
            call.reply(request, peer, 200, "OK")
            key = info_key(content_type, request.text)
            if key is not None:
                call.press(key, "info")
        return call.caller.client_id

    def _in_dialog(self, request: SipRequest, peer: Peer, *, early: bool = False) -> SipCall | None:
        """The running call a request belongs to (one still ringing, for CANCEL); otherwise answers 481."""
        call = self.active.get(request.headers.get_first("call-id") or "")
        if call is None or (early and call.state != "early"):
            peer.send(bytes(response(request, 481, "Call/Transaction Does Not Exist")))
            return None
        return call

    def forget(self, call: SipCall) -> None:
        call_id = call.dialog.call_id
        if self.active.get(call_id) is call:
            del self.active[call_id]
        now = time.monotonic()
        self._ended = {key: kept for key, kept in self._ended.items() if kept[1] > now}
        if len(self._ended) < MAX_REMEMBERED:
            self._ended[call_id] = (call.last_answer, now + TRANSACTION_SECONDS)

    async def stop(self) -> None:
        for call in list(self.active.values()):
            call.end("platform", "the emulator stopped")
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
