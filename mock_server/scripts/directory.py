"""The client's SIP accounts as a call sees them: who may be dialled, who is registered, who is calling.

A plain value taken when the call starts (the stores stay in the domain, and a call runs on what it was given), so
the simulator and the script test need nothing from the emulator's state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

REGISTERED = "registered"
NOT_REGISTERED = "not registered"
UNKNOWN = "unknown"


class Account(Protocol):
    """What a call needs of a SIP account (``mock_server.domain.sip_accounts.SipAccount`` has it)."""

    @property
    def username(self) -> str: ...

    @property
    def registered(self) -> bool: ...

    def sip_uri(self, domain: str) -> str: ...


@dataclass(frozen=True)
class SipDirectory:
    """Username -> SIP URI (``sip:<username>@<domain>``), and the usernames a SIP client is registered with."""

    uris: dict[str, str] = field(default_factory=dict)
    registered: frozenset[str] = frozenset()

    @classmethod
    def of(cls, accounts: Iterable[Account], domain: str) -> SipDirectory:
        """The directory of a client's ``accounts``, whose SIP domain is ``domain``."""
        listed = list(accounts)
        uris = {account.username: account.sip_uri(domain) for account in listed}
        return cls(uris, frozenset(account.username for account in listed if account.registered))

    def reach(self, username: str) -> str:
        """Whether a ``<sipaccount>`` dial can ring ``username``: ``registered``, ``not registered`` or ``unknown``."""
        if username not in self.uris:
            return UNKNOWN
        return REGISTERED if username in self.registered else NOT_REGISTERED
