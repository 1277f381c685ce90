"""What route handlers share: the one way from a request to its tenant's store."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from mock_server.domain.clients import Client
from mock_server.domain.tenants import Backends, TenantStore


@dataclass(frozen=True)
class RouteContext:
    backends: Backends

    def tenant(self, request: Request) -> TenantStore:
        """The store of the client whose token authorised this request."""
        return self.backends[request.scope["apidaze.client_id"]]

    def domain(self, request: Request) -> str:
        """The SIP domain of the client whose token authorised this request."""
        client: Client = request.scope["apidaze.client"]
        return client.domain
