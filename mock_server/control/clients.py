"""``/__admin/clients``: register OAuth clients at run time, each with an empty tenant of its own."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.domain.clients import Client
from mock_server.http import JSONResponse, body_fields
from mock_server.spec import ADMIN_SPEC, operations
from mock_server.state import EmulatorState


def client_view(state: EmulatorState, client: Client) -> dict[str, Any]:
    origin = "runtime" if client.client_id in state.added_clients else "fixtures"
    options = client.options(state.api_options)
    return {
        "client_id": client.client_id,
        "domain": client.domain,
        "quota": asdict(client.quota),
        "origin": origin,
        "response_style": options.response_style,
        "strict": options.strict,
    }


def routes(state: EmulatorState) -> list[Route]:
    add_op = operations(ADMIN_SPEC)["adminAddClient"]

    async def collection(request: Request) -> Response:
        if request.method == "POST":
            client = state.new_client(await body_fields(request, add_op))
            state.add_client(client)
            return JSONResponse(client_view(state, client), 201)
        return JSONResponse({"clients": [client_view(state, client) for client in state.clients.all()]})

    async def one(request: Request) -> Response:
        state.remove_client(request.path_params["client_id"])
        return Response(status_code=204)

    return [
        Route("/clients", collection, methods=["GET", "POST"]),
        Route("/clients/{client_id}", one, methods=["DELETE"]),
    ]
