"""``/__admin/faults``: fault rules (add, list, remove) and the chaos setting."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.domain.fault_plan import ChaosSpec, FaultPlan
from mock_server.http import JSONResponse, body_fields
from mock_server.spec import ADMIN_SPEC, operations


def faults_view(plan: FaultPlan) -> dict[str, Any]:
    return {
        "rules": [rule.view() for rule in plan.rules()],
        "chaos": plan.chaos_view(),
    }


def routes(plan: FaultPlan) -> list[Route]:
    add_op = operations(ADMIN_SPEC)["adminAddFault"]
    chaos_op = operations(ADMIN_SPEC)["adminSetChaos"]

    async def collection(request: Request) -> Response:
        if request.method == "POST":
            rule = plan.add(await body_fields(request, add_op))
            return JSONResponse(rule.view(), 201)
        if request.method == "DELETE":
            plan.clear()
            return Response(status_code=204)
        return JSONResponse(faults_view(plan))

    async def chaos(request: Request) -> Response:
        if request.method == "PUT":
            plan.set_chaos(ChaosSpec.from_fields(await body_fields(request, chaos_op)))
        elif request.method == "DELETE":
            plan.set_chaos(None)
            return Response(status_code=204)
        return JSONResponse(plan.chaos_view())

    async def one(request: Request) -> Response:
        rule_id = request.path_params["id"]
        if request.method == "DELETE":
            plan.remove(rule_id)
            return Response(status_code=204)
        return JSONResponse(plan.get(rule_id).view())

    return [
        Route("/faults", collection, methods=["GET", "POST", "DELETE"]),
        Route("/faults/chaos", chaos, methods=["GET", "PUT", "DELETE"]),
        Route("/faults/{id}", one, methods=["GET", "DELETE"]),
    ]
