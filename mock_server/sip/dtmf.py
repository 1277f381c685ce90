"""Keys a caller presses, as they arrive: SIP INFO bodies and RFC 4733 telephone-event RTP payloads.

Only the keys an APIdaze ``<bind>`` can match (0-9, ``*``, ``#``) are taken; A-D and flash are ignored.
"""

from __future__ import annotations

import re
import struct

KEYS = "0123456789*#"
# application/dtmf-relay: "Signal=5\r\nDuration=160\r\n" (the common SIP INFO form); application/dtmf: "5".
_RELAY = re.compile(r"^\s*signal\s*=\s*(\S)", re.IGNORECASE | re.MULTILINE)
INFO_TYPES = ("application/dtmf-relay", "application/dtmf")
_RTP = struct.Struct(">BBHII")
_EVENT = struct.Struct(">BBH")


def info_key(content_type: str, body: str) -> str | None:
    """The key in a SIP INFO body, or ``None``."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/dtmf-relay":
        match = _RELAY.search(body)
        key = match.group(1) if match else ""
    elif media == "application/dtmf":
        key = body.strip()
    else:
        return None
    # "10" and "11" are how some phones write * and # (RFC 4733 event numbers).
    key = {"10": "*", "11": "#"}.get(key, key)
    return key if len(key) == 1 and key in KEYS else None


def rtp_event(packet: bytes, payload_type: int) -> tuple[int, str] | None:
    """``(rtp timestamp, key)`` when ``packet`` is an RTP telephone-event of ``payload_type``; else ``None``.

    One key press is many packets with one timestamp (RFC 4733 section 2.5.1.2): the caller keeps the first.
    """
    if len(packet) < _RTP.size:
        return None
    first, second, _, timestamp, _ = _RTP.unpack_from(packet)
    if first >> 6 != 2 or second & 0x7F != payload_type:
        return None
    offset = _RTP.size + 4 * (first & 0x0F)
    if first & 0x10:  # a header extension: 16-bit profile, 16-bit length in words
        if len(packet) < offset + 4:
            return None
        offset += 4 + 4 * struct.unpack_from(">H", packet, offset + 2)[0]
    if len(packet) < offset + _EVENT.size:
        return None
    event, _, _ = _EVENT.unpack_from(packet, offset)
    return (timestamp, KEYS[event]) if event < len(KEYS) else None
