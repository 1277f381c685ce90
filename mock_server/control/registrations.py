"""``/__admin/registrations`` and ``/__admin/sipaccounts/{client_id}/{id}/registration``: SIP registrations.

Softphones register through the SIP side; the list shows every live binding, with where it came from and how long it
has left. A test that needs no softphone says an account registered (or left) with ``PUT``, and
``GET /sipaccounts/{id}/status`` answers ``Registered`` until it says otherwise.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.clock import Clock, iso_utc
from mock_server.domain.registrations import Binding
from mock_server.domain.tenants import Backends
from mock_server.errors import SipAccountNotFound
from mock_server.http import JSONResponse, body_fields, query_fields
from mock_server.spec import ADMIN_SPEC, operations


def _view(client_id: str, account_id: str, username: str, binding: Binding, now: float) -> dict[str, Any]:
    expires = binding.expires_at
    return {
        "client_id": client_id,
        "account_id": account_id,
        "username": username,
        "contact": binding.contact,
        "expires_at": None if expires is None else iso_utc(expires),
        "expires_in": None if expires is None else max(0, math.ceil(expires - now)),
        "source": binding.source,
        "user_agent": binding.user_agent,
    }


def routes(backends: Backends, clock: Clock) -> list[Route]:
    ops = operations(ADMIN_SPEC)
    change_op, list_op = ops["adminSetRegistration"], ops["adminListRegistrations"]

    async def registration(request: Request) -> Response:
        client_id, account_id = request.path_params["client_id"], request.path_params["id"]
        if client_id not in backends:
            raise SipAccountNotFound(info=f"client {client_id!r} has no SIP accounts")
        store = backends[client_id].sip_accounts
        if request.method == "PUT":
            change = await body_fields(request, change_op)
            account = store.set_registration(account_id, change["registered"], change.get("contact", ""))
        else:
            account = store.get(account_id)
        return JSONResponse({"registered": account.registered, "contact": account.contact})

    async def live(request: Request) -> Response:
        wanted = query_fields(request, list_op).get("client_id")
        now = clock.now()
        found = []
        for client_id in backends.client_ids():
            if wanted not in (None, client_id):
                continue
            for account, bindings in backends[client_id].sip_accounts.registered():
                found += [_view(client_id, account.id, account.username, binding, now) for binding in bindings]
        return JSONResponse({"registrations": found})

    return [
        Route("/registrations", live, methods=["GET"]),
        Route("/sipaccounts/{client_id}/{id}/registration", registration, methods=["GET", "PUT"]),
    ]
