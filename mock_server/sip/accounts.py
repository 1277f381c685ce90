"""Who is calling: a digest-authenticated SIP account of the tenant whose domain is the realm.

The realm is the SIP domain in the request (To for REGISTER, From for INVITE), and only clients with that domain
are searched, so tenants stay apart: an account of one client cannot register under another's domain. An unknown
user and a wrong password get the same 403, after the same amount of hashing. Failed attempts are counted per
address; past the limit the address is refused without a check until the window passes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from aiosipua import SipRequest

from mock_server.domain.sip_accounts import SipAccount
from mock_server.sip.digest import DEFAULT_ALGORITHMS, Credentials, Nonces, NonceState, challenges
from mock_server.sip.guards import FailureGuard
from mock_server.state import EmulatorState

_DOMAIN = re.compile(r"[A-Za-z0-9._\-\[\]:]{1,253}")
# Hashed for an unknown user, so the answer takes as long as for a known one with a wrong password.
_NO_PASSWORD = secrets.token_urlsafe(18)


@dataclass(frozen=True)
class Caller:
    """An authenticated account and the client (tenant) it belongs to."""

    client_id: str
    account: SipAccount


@dataclass(frozen=True)
class Refusal:
    """The answer instead: status, reason phrase and headers."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...] = ()


class Authenticator:
    """Checks digest credentials against the accounts of the realm's tenants."""

    def __init__(
        self,
        state: EmulatorState,
        nonces: Nonces,
        failures: FailureGuard,
        offered: tuple[str, ...] = DEFAULT_ALGORITHMS,
    ) -> None:
        self.state = state
        self.nonces = nonces
        self.failures = failures
        self.offered = offered

    def check(self, request: SipRequest, realm: str, user: str, source: str, *, proxy: bool) -> Caller | Refusal:
        """``user`` at ``realm`` as the request's credentials prove, or how to answer it.

        ``proxy`` selects ``Proxy-Authorization`` and 407 (INVITE), else ``Authorization`` and 401 (REGISTER).
        """
        if _DOMAIN.fullmatch(realm) is None:
            return Refusal(400, "Bad Domain")
        wait = self.failures.blocked(source)
        if wait:
            return Refusal(403, "Too Many Failed Authentications", (("Retry-After", str(int(wait) + 1)),))
        credentials = self._credentials(request, realm, proxy)
        if credentials is None:
            return self._challenge(realm, proxy, stale=False)
        state = self.nonces.check(credentials.nonce)
        if state is not NonceState.FRESH:
            return self._challenge(realm, proxy, stale=state is NonceState.STALE)
        found = self._account(credentials, realm, request.method)
        if found is None or credentials.username != user:
            self.failures.fail(source)
            return Refusal(403, "Forbidden")
        return found

    def _credentials(self, request: SipRequest, realm: str, proxy: bool) -> Credentials | None:
        name = "proxy-authorization" if proxy else "authorization"
        for value in request.headers.get(name):
            credentials = Credentials.parse(value, self.offered)
            if credentials is not None and credentials.realm == realm:
                return credentials
        return None

    def _challenge(self, realm: str, proxy: bool, *, stale: bool) -> Refusal:
        name = "Proxy-Authenticate" if proxy else "WWW-Authenticate"
        values = challenges(realm, self.nonces.issue(), self.offered, stale=stale)
        status, reason = (407, "Proxy Authentication Required") if proxy else (401, "Unauthorized")
        return Refusal(status, reason, tuple((name, value) for value in values))

    def _account(self, credentials: Credentials, realm: str, method: str) -> Caller | None:
        checked = False
        for client in self.state.clients.all():
            if client.domain != realm or client.client_id not in self.state.backends:
                continue
            account = self.state.backends[client.client_id].sip_accounts.by_username(credentials.username)
            if account is None:
                continue
            checked = True
            if credentials.match(method, account.password):
                return Caller(client.client_id, account)
        if not checked:
            credentials.match(method, _NO_PASSWORD)
        return None
