"""What route handlers share: the one way from a request to its tenant's store."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from mock_server.domain.clients import ClientRegistry
from mock_server.domain.tenants import Backends, TenantStore

API_PREFIX = "/communication/apidaze/cpaas"


@dataclass(frozen=True)
class RouteContext:
    backends: Backends
    clients: ClientRegistry

    def tenant(self, request: Request) -> TenantStore:
        """The store of the client whose token authorised this request."""
        return self.backends[request.scope["apidaze.client_id"]]

    def domain(self, request: Request) -> str:
        client = self.clients.get(request.scope["apidaze.client_id"])
        return client.domain if client is not None else "unknown.apidaze.local"
