"""Calls from softphones: an authenticated INVITE runs the client's External Script in the call simulator.

The simulator drives the call on the wire through :class:`SipCall` (its :class:`~mock_server.scripts.simulator.Line`):
``<answer>`` sends 200 OK with SDP, the script's hang-up sends BYE (or, before the answer, a final 480 carrying the
reason), keys pressed arrive as SIP INFO or RFC 4733 telephone-events, and a caller's BYE or CANCEL ends the call.
Every step lands in the call's record in the shared call log, where ``/__admin/calls`` shows it.

Transactions are kept small: a retransmitted INVITE gets the last answer again, a 200 is repeated over UDP until
the ACK comes (RFC 3261 section 13.3.1.4), and an ended call is remembered for 32 s so late retransmissions of its
INVITE or BYE are answered rather than started anew.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiosipua import Dialog, SipRequest, SipResponse, create_dialog_from_request, generate_tag, parse_address

from mock_server.domain.calls import CallRecord
from mock_server.scripts.fetch import CallParameters, ScriptFetcher
from mock_server.scripts.simulator import CallScript, Event, simulate
from mock_server.sip import sdp
from mock_server.sip.accounts import Authenticator, Caller, Refusal
from mock_server.sip.dtmf import INFO_TYPES, info_key
from mock_server.sip.limits import SipLimits
from mock_server.sip.message import response
from mock_server.sip.rtp import RtpPort
from mock_server.sip.transport import Peer, SipTransports
from mock_server.state import EmulatorState

logger = logging.getLogger("apidaze_mock.sip")

T1, T2 = 0.5, 4.0
# RFC 3261 64*T1: how long an unacknowledged 200 is repeated, and how long an ended call's answers are kept.
TRANSACTION_SECONDS = 64 * T1
MAX_REMEMBERED = 1024


class SipCall:
    """One call on the wire, and the caller's end of the simulated call behind it."""

    def __init__(self, calls: Calls, invite: SipRequest, peer: Peer, caller: Caller, record: CallRecord) -> None:
        self.calls = calls
        self.invite = invite
        self.peer = peer
        self.caller = caller
        self.record = record
        self.to_tag = generate_tag()
        self.dialog: Dialog = create_dialog_from_request(invite, local_tag=self.to_tag)
        self.state = "early"
        self.last_answer = bytes(response(invite, 100, "Trying"))
        self.media: sdp.Media | None = None
        self.rtp: RtpPort | None = None
        self.task: asyncio.Task[None] | None = None
        self._keys: asyncio.Queue[str] = asyncio.Queue(maxsize=64)
        self._resend: asyncio.Task[None] | None = None
        self._deadline: asyncio.TimerHandle | None = None

    # --- the wire side ---

    def send_answer(self, reply: SipResponse) -> None:
        self.last_answer = bytes(reply)
        self.peer.send(self.last_answer)

    def reply(self, request: SipRequest, peer: Peer, status: int, reason: str) -> None:
        """Answer an in-dialog request through the peer it came from."""
        peer.send(bytes(response(request, status, reason, to_tag=self.to_tag)))

    def reply_with_media(self, request: SipRequest, peer: Peer) -> None:
        """200 OK with our SDP: the answer to the INVITE, and again to a re-INVITE (hold, session refresh)."""
        assert self.media is not None
        contact = (("Contact", f"<sip:{self.local_host}:{self.calls.transports.port}>"),)
        reply = response(
            request, 200, "OK", to_tag=self.to_tag, headers=contact, body=self.media.sdp, content_type="application/sdp"
        )
        if request is self.invite:
            self.last_answer = bytes(reply)
        peer.send(bytes(reply))

    @property
    def local_host(self) -> str:
        return self.calls.transports.local_host(self.peer.host)

    async def start(self, script: CallScript) -> None:
        """Open the RTP port, work out the media, then run the script."""
        transports, limits = self.calls.transports, self.calls.limits
        self.rtp = await RtpPort.open(transports.host, self.peer.host, lambda key: self.press(key, "rtp"))
        try:
            if self.invite.body:
                self.media = sdp.answer(self.invite.text, self.local_host, self.rtp.port)
            else:
                self.media = sdp.offer(self.local_host, self.rtp.port)
        except sdp.NotAcceptable as error:
            self.record.events.append({"type": "hung_up", "by": "platform", "reason": f"SDP offer: {error}"})
            self.finish_early(488, "Not Acceptable Here", f"SDP offer: {error}")
            return
        self.rtp.events = self.media.events
        reason = f"longer than {limits.max_call_seconds:g} s"
        self._deadline = asyncio.get_running_loop().call_later(limits.max_call_seconds, self.end, "simulator", reason)
        await simulate(script, self.calls.fetch, self, self.record.events)

    def acknowledged(self, ack: SipRequest) -> None:
        if self._resend is not None:
            self._resend.cancel()
            self._resend = None
        # An INVITE without SDP got our offer in the 200; the caller's answer, in the ACK, names its events.
        if not self.invite.body and ack.body and self.rtp is not None:
            self.rtp.events = sdp.events_in(ack.text)

    def press(self, key: str, via: str) -> None:
        if self.state == "ended":
            return
        self.record.events.append({"type": "dtmf", "key": key, "via": via})
        with contextlib.suppress(asyncio.QueueFull):
            self._keys.put_nowait(key)

    def finish_early(self, status: int, reason: str, why: str) -> None:
        """End before the answer with a final response; its Reason header says why (RFC 3326)."""
        cause = f'Q.850;cause=16;text="{why.replace(chr(34), chr(39))[:200]}"'
        self.send_answer(response(self.invite, status, reason, to_tag=self.to_tag, headers=(("Reason", cause),)))
        self._close()

    def end(self, by: str, reason: str) -> None:
        """The call ends from outside the script (the caller, or a limit): stop the script and record why."""
        if self.state == "ended":
            return
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()
        self.record.events.append({"type": "hung_up", "by": by, "reason": reason})
        self.hang_up(by, reason)

    def hang_up(self, by: str, reason: str) -> None:
        """The call is over: BYE after the answer, a final response before it (none for the caller's own end)."""
        if by != "caller" and self.state == "confirmed":
            self.send_bye()
        elif by != "caller" and self.state == "early":
            failed = by == "emulator"
            status, phrase = (500, "Server Internal Error") if failed else (480, "Temporarily Unavailable")
            self.finish_early(status, phrase, reason or "the script hung up")
            return
        self._close()

    def send_bye(self) -> None:
        via = "TCP" if self.peer.transport == "tcp" else "UDP"
        port = self.calls.transports.port
        bye = self.dialog.create_request("BYE", via_host=self.local_host, via_port=port, via_transport=via)
        self.peer.send(bytes(bye))

    def _close(self) -> None:
        if self.state == "ended":
            return
        self.state = "ended"
        for pending in (self._resend, self._deadline):
            if pending is not None:
                pending.cancel()
        if self.rtp is not None:
            self.rtp.close()
        self.record.ended_at = self.calls.state.clock.now()
        self.calls.forget(self)

    # --- the Line the simulator talks to ---

    def notice(self, event: Event) -> None:
        if self.state == "ended":
            return
        if event["type"] == "answered" and self.state == "early" and self.media is not None:
            self.reply_with_media(self.invite, self.peer)
            self.dialog.confirm()
            self.state = "confirmed"
            if self.peer.transport == "udp":
                self._resend = asyncio.get_running_loop().create_task(self._repeat_until_ack())
        elif event["type"] == "hung_up":
            self.hang_up(event["by"], str(event.get("reason", "")))

    async def keys(self, first_wait: float, next_wait: float) -> str:
        pressed = ""
        wait = first_wait
        while True:
            try:
                async with asyncio.timeout(wait):
                    pressed += await self._keys.get()
            except TimeoutError:
                return pressed
            wait = next_wait

    async def pause(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def _repeat_until_ack(self) -> None:
        interval, waited = T1, 0.0
        while waited < TRANSACTION_SECONDS:
            await asyncio.sleep(interval)
            waited += interval
            self.peer.send(self.last_answer)
            interval = min(interval * 2, T2)
        self._resend = None
        self.end("platform", "the caller never acknowledged the answer (no ACK)")


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
