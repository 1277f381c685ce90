"""``/sipaccounts``: SIP Account List, Create, Read, Update, Delete and Status."""

from __future__ import annotations

from functools import lru_cache
from weakref import WeakKeyDictionary

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.domain.sip_accounts import SipAccount, SipAccountStore
from mock_server.http import JSON, api_body_fields
from mock_server.paths import API_PREFIX
from mock_server.routes.context import RouteContext, answer
from mock_server.spec import operations


# The read answer per account and body form: an account is an immutable value, so its body is a pure function of
# it. Clients read the same accounts again and again; to_api and orjson were 2 us of every read (timeit), a hit is
# 0.3 us.
@lru_cache(maxsize=4096)
def item_body(account: SipAccount, form: str) -> bytes:
    record = account.to_api()
    return orjson.dumps([record] if form == "array" else record)


def routes(context: RouteContext) -> list[Route]:
    ops = operations()
    create_op, update_op, item_op = ops["createSipAccount"], ops["updateSipAccount"], ops["getSipAccount"]
    delete_op, status_op = ops["deleteSipAccount"], ops["getSipAccountStatus"]
    # The list answer's body per store, with the store version it shows: rendering every account (to_api, then
    # orjson) was most of a list answer's own time, and clients poll the list far more often than they change it.
    # Weak keys, so a store dropped by a reset takes its body along.
    listed: WeakKeyDictionary[SipAccountStore, tuple[int, bytes]] = WeakKeyDictionary()

    def list_body(store: SipAccountStore) -> bytes:
        version = store.version  # read first: a change made while rendering (another thread) forces a re-render
        cached = listed.get(store)
        if cached is not None and cached[0] == version:
            return cached[1]
        body = orjson.dumps([account.to_api() for account in store.list()])
        listed[store] = (version, body)
        return body

    async def collection(request: Request) -> Response:
        store = context.tenant(request).sip_accounts
        if request.method == "POST":
            options = context.options(request)
            fields = await api_body_fields(request, create_op, strict=options.strict)
            account = store.create(fields["username"], fields)
            return answer(create_op, options.response_style, account.to_api())
        return Response(list_body(store), media_type=JSON)

    async def item(request: Request) -> Response:
        account_id = request.path_params["id"]
        item_op.check_path(request.path_params)
        store = context.tenant(request).sip_accounts
        options = context.options(request)
        if request.method == "PUT":
            fields = await api_body_fields(request, update_op, strict=options.strict)
            return answer(update_op, options.response_style, store.update(account_id, fields).to_api())
        if request.method == "DELETE":
            return answer(delete_op, options.response_style, store.delete(account_id).to_api())
        read = item_op.success(options.response_style)
        return Response(item_body(store.get(account_id), read.form), read.status, media_type=JSON)

    async def status(request: Request) -> Response:
        item_op.check_path(request.path_params)
        account = context.tenant(request).sip_accounts.get(request.path_params["id"])
        status = account.to_status(context.domain(request), context.sip_server(request))
        return answer(status_op, context.options(request).response_style, status)

    base = f"{API_PREFIX}/sipaccounts"
    # One Route per path, so a 405 lists every allowed method in its Allow header.
    return [
        Route(base, collection, methods=["GET", "POST"]),
        Route(base + "/{id}", item, methods=["GET", "PUT", "DELETE"]),
        Route(base + "/{id}/status", status, methods=["GET"]),
    ]
