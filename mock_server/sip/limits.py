"""Every bound of the SIP side, in one place: sizes, counts, rates and times."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SipLimits:
    """The SIP side's bounds. The defaults suit a developer's softphones on one machine.

    Expiry (seconds): a REGISTER asking for less than ``min_expires`` gets 423 with ``Min-Expires``; more than
    ``max_expires`` is granted as ``max_expires``; none asked gets ``default_expires``.
    """

    # One SIP message, headers and body: a softphone's INVITE with SDP is 1 to 3 KiB.
    max_message_bytes: int = 16 * 1024
    min_expires: int = 60
    default_expires: int = 3600
    max_expires: int = 7200
    # Contacts one account keeps; a new one beyond replaces the one refreshed longest ago.
    max_registrations_per_account: int = 10
    # Calls running at once, across every tenant; the next INVITE gets 503.
    max_calls: int = 16
    # Longest call, in seconds of real time; then the emulator hangs up.
    max_call_seconds: float = 3600.0
    # How long a nonce may be answered (seconds, emulator clock); an older one gets a new challenge with stale=true.
    nonce_lifetime: float = 300.0
    # Failed authentications from one address within ``failure_window`` seconds before it is refused without a check.
    max_auth_failures: int = 10
    failure_window: float = 60.0
    # Messages per second one address may send (a token bucket of ``flood_burst``); beyond, it gets no answer.
    flood_rate: float = 200.0
    flood_burst: int = 400
    # Addresses tracked for flooding and failures; the least recently seen is forgotten first.
    max_tracked_sources: int = 4096
    # TCP: open connections in all and from one address, and how long one may stay idle or take to send a message.
    max_connections: int = 256
    max_connections_per_source: int = 32
    idle_seconds: float = 900.0
    message_seconds: float = 10.0

    def __post_init__(self) -> None:
        if not 0 < self.min_expires <= self.default_expires <= self.max_expires:
            raise ValueError("SIP expiry bounds need 0 < min_expires <= default_expires <= max_expires")
        counts = (self.max_registrations_per_account, self.max_calls, self.max_auth_failures, self.flood_burst)
        if min(counts) < 1 or self.max_message_bytes < 1024:
            raise ValueError("SIP limits must allow at least one of each, and messages of 1 KiB")
