"""REGISTER (RFC 3261 section 10.3): bind, refresh, query and remove an account's contacts.

The address of record is the To URI: its user is the account's username, its host the client's domain (the
realm). Expiry is checked for every contact before anything changes: below ``min_expires`` the whole request gets
423 with ``Min-Expires``; above ``max_expires`` it is granted as ``max_expires``. ``Contact: *`` with
``Expires: 0`` removes every binding. The 200 lists the account's live bindings with the seconds each has left.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from aiosipua import SipRequest, SipResponse, parse_address, stringify_uri

from mock_server.domain.registrations import Binding
from mock_server.sip.accounts import Authenticator, Refusal
from mock_server.sip.limits import SipLimits
from mock_server.sip.message import Malformed, response
from mock_server.sip.transport import Peer
from mock_server.state import EmulatorState

_SECONDS = re.compile(r"[0-9]{1,10}")
MAX_CONTACT = 512
MAX_USER_AGENT = 200


class Registrar:
    def __init__(self, state: EmulatorState, auth: Authenticator, limits: SipLimits) -> None:
        self.state = state
        self.auth = auth
        self.limits = limits

    def register(self, request: SipRequest, peer: Peer) -> tuple[SipResponse, str | None]:
        """The answer, and the client id of the account when it authenticated."""
        to = parse_address(request.headers.get_first("to") or "").uri
        caller = self.auth.check(request, to.host.lower(), to.user or "", peer.host, proxy=False)
        if isinstance(caller, Refusal):
            return response(request, caller.status, caller.reason, headers=caller.headers), None
        store = self.state.backends[caller.client_id].sip_accounts
        account_id = caller.account.id
        wanted = self._wanted(request)
        if wanted is None:
            store.unregister(account_id)
        else:
            short = [seconds for _, seconds in wanted if 0 < seconds < self.limits.min_expires]
            if short:
                headers = (("Min-Expires", str(self.limits.min_expires)),)
                return response(request, 423, "Interval Too Brief", headers=headers), caller.client_id
            now = self.state.clock.now()
            agent = (request.headers.get_first("user-agent") or "")[:MAX_USER_AGENT]
            for contact, seconds in wanted:
                if seconds == 0:
                    store.unregister(account_id, contact)
                else:
                    expires = now + min(seconds, self.limits.max_expires)
                    binding = Binding(contact, expires, str(peer), agent)
                    store.register(account_id, binding, self.limits.max_registrations_per_account)
        listing = self._listing(store.bindings(account_id))
        return response(request, 200, "OK", headers=listing), caller.client_id

    def _wanted(self, request: SipRequest) -> list[tuple[str, int]] | None:
        """``(contact, seconds)`` per Contact; ``None`` for ``Contact: *`` (remove all). Raises Malformed."""
        default = self._seconds(request.headers.get_first("expires"), self.limits.default_expires, request)
        contacts = request.headers.get("contact")
        if any(value.strip() == "*" for value in contacts):
            if len(contacts) != 1 or default != 0:
                raise Malformed("Contact: * needs Expires: 0 and no other contact", request)
            return None
        wanted = []
        for value in contacts:
            address = parse_address(value)
            uri = stringify_uri(address.uri)
            if not address.uri.host or len(uri) > MAX_CONTACT:
                raise Malformed("a Contact is no usable URI", request)
            wanted.append((uri, self._seconds(address.params.get("expires"), default, request)))
        return wanted

    @staticmethod
    def _seconds(value: str | None, default: int, request: SipRequest) -> int:
        if value is None:
            return default
        if _SECONDS.fullmatch(value.strip()) is None:
            raise Malformed("Expires is not a whole number of seconds", request)
        return int(value)

    def _listing(self, bindings: Sequence[Binding]) -> tuple[tuple[str, str], ...]:
        now = self.state.clock.now()
        listed = []
        for binding in bindings:
            left = self.limits.max_expires if binding.expires_at is None else math.ceil(binding.expires_at - now)
            listed.append(("Contact", f"<{binding.contact}>;expires={max(left, 0)}"))
        return tuple(listed)
