"""``/__admin/state``: export every client and its resources; import such a snapshot whole or not at all."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.http import JSONResponse, body_fields
from mock_server.spec import ADMIN_SPEC, operations
from mock_server.state import EmulatorState


def routes(state: EmulatorState) -> list[Route]:
    import_op = operations(ADMIN_SPEC)["adminImportState"]

    async def endpoint(request: Request) -> Response:
        if request.method == "PUT":
            # The schema check, then the domain's own rules; either failing leaves the state untouched.
            state.import_state(await body_fields(request, import_op))
            return Response(status_code=204)
        return JSONResponse(state.export_state())

    return [Route("/state", endpoint, methods=["GET", "PUT"])]
