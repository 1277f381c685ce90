"""``/__admin/clock``: read, move and release the emulator's clock."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.clock import Clock, epoch_seconds, iso_utc
from mock_server.errors import InvalidRequest
from mock_server.http import JSONResponse, body_fields
from mock_server.spec import ADMIN_SPEC, operations


def clock_view(clock: Clock) -> dict[str, Any]:
    now = clock.now()
    mode = "frozen" if clock.is_frozen else "real" if clock.is_real else "shifted"
    return {"now": iso_utc(now), "epoch": now, "mode": mode, "offset_seconds": clock.offset_seconds}


def _parse_instant(text: str) -> float:
    # RFC 3339 allows what Python's parser does not: leap seconds, long fractions.
    try:
        return epoch_seconds(text)
    except ValueError:
        raise InvalidRequest(
            f"body.now: {text!r} is not an instant this clock can take.",
            info="use YYYY-MM-DDTHH:MM:SS[.ffffff]Z or an offset; no leap seconds",
        ) from None


def routes(clock: Clock) -> list[Route]:
    change_op = operations(ADMIN_SPEC)["adminSetClock"]

    async def endpoint(request: Request) -> Response:
        if request.method == "POST":
            change = await body_fields(request, change_op)
            if "now" in change:
                target = _parse_instant(change["now"])
            else:
                target = clock.now() + float(change["advance_seconds"])
            try:
                clock.set(target, freeze=bool(change.get("freeze", False)))
            except ValueError:
                raise InvalidRequest(
                    "The clock can be set between 1970 and 3000 only.", info=f"target epoch {target:.0f}"
                ) from None
        elif request.method == "DELETE":
            clock.reset()
        return JSONResponse(clock_view(clock))

    return [Route("/clock", endpoint, methods=["GET", "POST", "DELETE"])]
