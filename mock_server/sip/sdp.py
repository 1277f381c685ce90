"""The SDP answer a softphone accepts (RFC 3264): G.711 audio, RFC 4733 telephone-events when offered.

The emulator sends no audio (the caller hears silence) but answers ``sendrecv`` like the platform, so a softphone
neither shows the call as on hold nor stops sending its keys as RTP telephone-events. aiosipua does the parsing and
the offer/answer rules; the telephone-event payload type of the offer is kept, so the caller's events arrive with
the number it chose.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiosipua import MediaDescription, SdpNegotiationError, build_sdp, negotiate_sdp, parse_sdp, serialize_sdp

# PCMU and PCMA: every softphone offers at least one of them.
CODECS = [0, 8]
# The telephone-event payload type offered when the INVITE has no SDP (the answer then comes in the ACK).
DEFAULT_EVENTS = 101


class NotAcceptable(ValueError):
    """The offer has nothing the emulator can answer (no audio, no G.711): 488."""


@dataclass(frozen=True)
class Media:
    """Our side of the session: the SDP to send, and the payload type telephone-events arrive with."""

    sdp: bytes
    events: int | None


def answer(offer: str, host: str, rtp_port: int) -> Media:
    """The answer to ``offer``; raises :class:`NotAcceptable`."""
    try:
        parsed = parse_sdp(offer)
        audio = parsed.audio
        if audio is None:
            raise NotAcceptable("no audio stream offered")
        events = _events(audio)
        built, _ = negotiate_sdp(parsed, host, rtp_port, CODECS, dtmf_payload_type=events or 0)
    except (SdpNegotiationError, ValueError, IndexError) as error:
        raise NotAcceptable(str(error)) from None
    return Media(serialize_sdp(built).encode(), events)


def offer(host: str, rtp_port: int) -> Media:
    """Our offer, for an INVITE that came without one."""
    built = build_sdp(host, rtp_port, 0, "PCMU", dtmf_payload_type=DEFAULT_EVENTS)
    return Media(serialize_sdp(built).encode(), DEFAULT_EVENTS)


def events_in(sdp: str) -> int | None:
    """The telephone-event payload type of an answer (an ACK's), if any."""
    try:
        audio = parse_sdp(sdp).audio
    except (ValueError, IndexError):
        return None
    return None if audio is None else _events(audio)


def _events(audio: MediaDescription) -> int | None:
    return next((c.payload_type for c in audio.codecs if c.encoding_name.lower() == "telephone-event"), None)
