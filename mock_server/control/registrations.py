"""``/__admin/sipaccounts/{client_id}/{id}/registration``: drive what the status endpoint reports.

There is no SIP registrar in the emulator; a test says when a SIP client has registered, and
``GET /sipaccounts/{id}/status`` answers ``Registered`` until it says otherwise.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.domain.tenants import Backends
from mock_server.errors import SipAccountNotFound
from mock_server.http import JSONResponse, body_fields
from mock_server.spec import ADMIN_SPEC, operations


def routes(backends: Backends) -> list[Route]:
    change_op = operations(ADMIN_SPEC)["adminSetRegistration"]

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

    return [
        Route("/sipaccounts/{client_id}/{id}/registration", registration, methods=["GET", "PUT"]),
    ]
