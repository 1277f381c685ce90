"""Where the SIP clients of a tenant's accounts can be reached: bindings (RFC 3261 section 10), on the emulator's clock.

A binding lasts until its ``expires_at`` passes on the emulator's clock, so a test that moves the clock sees a
softphone's registration run out without waiting. Each account keeps at most ``limit`` bindings: a new contact beyond
that replaces the one refreshed longest ago, so a softphone that restarts on a new port again and again is never
locked out and memory stays bounded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

# A softphone that restarts many times keeps no more than this many contacts on one account.
DEFAULT_LIMIT = 10


@dataclass(frozen=True)
class Binding:
    """One contact a SIP client registered for an account.

    ``expires_at`` is an instant on the emulator's clock; ``None`` lasts until unregistered (the control plane's
    registrations, and those loaded from a snapshot). ``source`` says how it arrived (``udp 127.0.0.1:5062``).
    """

    contact: str
    expires_at: float | None = None
    source: str = "control"
    user_agent: str = ""

    def live(self, now: float) -> bool:
        return self.expires_at is None or now < self.expires_at


class Registrations:
    """Bindings by account id, oldest refresh first; expired ones are dropped as they are read."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._bindings: dict[str, dict[str, Binding]] = {}
        # No binding expires before this (inf: none can), so a read before it has nothing to drop.
        self.next_expiry = math.inf

    def of(self, account_id: str) -> list[Binding]:
        bindings = self._bindings.get(account_id)
        return list(bindings.values()) if bindings else []

    def accounts(self) -> list[str]:
        return list(self._bindings)

    def bind(self, account_id: str, binding: Binding, limit: int = DEFAULT_LIMIT) -> None:
        """Add or refresh ``binding``; beyond ``limit`` contacts the one refreshed longest ago goes."""
        if limit < 1:
            raise ValueError("an account keeps at least one binding")
        bindings = self._bindings.setdefault(account_id, {})
        # Removed and added again, so dict order stays "refreshed longest ago first".
        bindings.pop(binding.contact, None)
        while len(bindings) >= limit:
            del bindings[next(iter(bindings))]
        bindings[binding.contact] = binding
        if binding.expires_at is not None:
            self.next_expiry = min(self.next_expiry, binding.expires_at)

    def unbind(self, account_id: str, contact: str | None = None) -> None:
        """Drop one contact, or with ``contact=None`` every binding of the account."""
        bindings = self._bindings.get(account_id)
        if bindings is None:
            return
        if contact is not None:
            bindings.pop(contact, None)
        if contact is None or not bindings:
            del self._bindings[account_id]

    def expire(self) -> list[str]:
        """Drop every binding whose time is up; the accounts that lost one."""
        now = self._now()
        if now < self.next_expiry:
            return []
        changed: list[str] = []
        next_expiry = math.inf
        for account_id, bindings in list(self._bindings.items()):
            kept = {contact: binding for contact, binding in bindings.items() if binding.live(now)}
            if len(kept) != len(bindings):
                changed.append(account_id)
                if kept:
                    self._bindings[account_id] = kept
                else:
                    del self._bindings[account_id]
            for binding in kept.values():
                if binding.expires_at is not None:
                    next_expiry = min(next_expiry, binding.expires_at)
        self.next_expiry = next_expiry
        return changed
