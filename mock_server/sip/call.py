"""One call from a softphone: its dialog on the wire, and the caller's end of the simulated call behind it.

The simulator drives the call on the wire through :class:`SipCall` (its :class:`~mock_server.scripts.simulator.Line`):
``<answer>`` sends 200 OK with SDP, the script's hang-up sends BYE (or, before the answer, a final 480 carrying the
reason), keys pressed arrive as SIP INFO or RFC 4733 telephone-events and wait in a queue for the next prompt.
Every step lands in the call's record in the shared call log.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from aiosipua import Dialog, SipRequest, SipResponse, create_dialog_from_request, generate_tag

from mock_server.domain.calls import CallRecord
from mock_server.scripts.simulator import CallScript, Event, simulate
from mock_server.sip import sdp
from mock_server.sip.accounts import Caller
from mock_server.sip.message import response
from mock_server.sip.rtp import RtpPort
from mock_server.sip.transport import Peer

if TYPE_CHECKING:
    from mock_server.sip.calls import Calls

T1, T2 = 0.5, 4.0
# RFC 3261 64*T1: how long an unacknowledged 200 is repeated (and an ended call's answers are kept).
TRANSACTION_SECONDS = 64 * T1
# Keys waiting for a prompt; a caller pressing more before one asks loses the rest.
MAX_QUEUED_KEYS = 64


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
        self._keys: asyncio.Queue[str] = asyncio.Queue(maxsize=MAX_QUEUED_KEYS)
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
        fetcher = self.calls.fetch
        await simulate(script, fetcher, fetcher.head, line=self, events=self.record.events)

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
        if by == "caller":
            self._close()  # the caller's own BYE or CANCEL: nothing left to send
        else:
            self.hang_up(by, reason)

    def hang_up(self, by: str, reason: str) -> None:
        """End the call on the wire: BYE after the answer, a final response before it."""
        if self.state == "confirmed":
            self.send_bye()
            self._close()
        elif self.state == "early":
            failed = by == "emulator"
            status, phrase = (500, "Server Internal Error") if failed else (480, "Temporarily Unavailable")
            self.finish_early(status, phrase, reason or "the script hung up")

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
            # Whatever the simulator says ended it (the script, a bound, a conference "left"), the phone must hear.
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
