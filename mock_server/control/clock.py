"""``/__admin/clock``: read, move and release the emulator's clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.clock import Clock, iso_utc
from mock_server.http import JSONResponse, body_fields
from mock_server.spec import ADMIN_SPEC, operations


def clock_view(clock: Clock) -> dict[str, Any]:
    now = clock.now()
    mode = "frozen" if clock.is_frozen else "real" if clock.is_real else "shifted"
    return {"now": iso_utc(now), "epoch": now, "mode": mode, "offset_seconds": clock.offset_seconds}


def routes(clock: Clock) -> list[Route]:
    change_op = operations(ADMIN_SPEC)["adminSetClock"]

    async def endpoint(request: Request) -> Response:
        if request.method == "POST":
            change = await body_fields(request, change_op)
            freeze = bool(change.get("freeze", False))
            if "now" in change:
                clock.set(datetime.fromisoformat(change["now"]).timestamp(), freeze=freeze)
            else:
                clock.advance(float(change["advance_seconds"]))
                if freeze:
                    clock.set(clock.now(), freeze=True)
        elif request.method == "DELETE":
            clock.reset()
        return JSONResponse(clock_view(clock))

    return [Route("/__admin/clock", endpoint, methods=["GET", "POST", "DELETE"])]
