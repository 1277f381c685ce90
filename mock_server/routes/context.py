"""What route handlers share: the one way from a request to its tenant's store."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from mock_server.domain.clients import Client
from mock_server.domain.tenants import Backends, TenantStore


def _no_sip() -> tuple[str, int] | None:
    return None


@dataclass(frozen=True)
class RouteContext:
    backends: Backends
    # Where the emulator's SIP side listens, while it does.
    sip_address: Callable[[], tuple[str, int] | None] = _no_sip

    def tenant(self, request: Request) -> TenantStore:
        """The store of the client whose token authorised this request."""
        return self.backends[request.scope["apidaze.client_id"]]

    def domain(self, request: Request) -> str:
        """The SIP domain of the client whose token authorised this request."""
        client: Client = request.scope["apidaze.client"]
        return client.domain

    def sip_server(self, request: Request) -> tuple[str, int] | None:
        """Where this request's client reaches the SIP side: its listening address, or for a wildcard listener the
        host this request came in on."""
        address = self.sip_address()
        if address is None:
            return None
        host, port = address
        try:
            wildcard = ipaddress.ip_address(host).is_unspecified
        except ValueError:  # a host name
            wildcard = False
        return (request.url.hostname or host, port) if wildcard else address
