"""What route handlers share: the one way from a request to its tenant's store, its options and its answer."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mock_server.domain.clients import ApiOptions, Client
from mock_server.domain.tenants import Backends, TenantStore
from mock_server.http import JSONResponse
from mock_server.spec import Operation


def _no_sip() -> tuple[str, int] | None:
    return None


@dataclass(frozen=True)
class RouteContext:
    backends: Backends
    defaults: ApiOptions = field(default_factory=ApiOptions)
    # Where the emulator's SIP side listens, while it does.
    sip_address: Callable[[], tuple[str, int] | None] = _no_sip

    def tenant(self, request: Request) -> TenantStore:
        """The store of the client whose token authorised this request."""
        return self.backends[request.scope["apidaze.client_id"]]

    def domain(self, request: Request) -> str:
        """The SIP domain of the client whose token authorised this request."""
        client: Client = request.scope["apidaze.client"]
        return client.domain

    def options(self, request: Request) -> ApiOptions:
        """The response style and strictness of the client whose token authorised this request."""
        client: Client = request.scope["apidaze.client"]
        return client.options(self.defaults)

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


def answer(operation: Operation, style: str, record: dict[str, Any]) -> Response:
    """``operation``'s success answer in response ``style``, as its ``x-apidaze-style`` says: ``record`` in a
    one-element array, alone, or no body at all."""
    found = operation.success(style)
    if found.form == "none":
        return Response(status_code=found.status)
    return JSONResponse([record] if found.form == "array" else record, found.status)
