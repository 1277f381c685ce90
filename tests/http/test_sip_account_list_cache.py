"""The list answer's body is reused only while the store is unchanged: every change shows at once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from mock_server.app import create_app
from mock_server.paths import API_PREFIX, TOKEN_PATH
from tests.asgi_call import call

FORM = (b"content-type", b"application/x-www-form-urlencoded")
LIST = API_PREFIX + "/sipaccounts"


def test_list_follows_every_change() -> None:
    app = create_app()

    async def login() -> tuple[bytes, bytes]:
        form = b"client_id=local-client&client_secret=local-secret"
        _, _, body = await call(app, "POST", TOKEN_PATH + "?grant_type=client_credentials", [FORM], form)
        return (b"authorization", b"Bearer " + json.loads(body)["access_token"].encode())

    async def scenario() -> list[Any]:
        bearer = await login()  # a fixture client's token outlives the reset below

        async def listed() -> list[str]:
            status, headers, answer = await call(app, "GET", LIST, [bearer])
            assert status == 200
            assert (b"content-type", b"application/json") in headers
            return [f"{a['id']}:{a['sip']['username']}:{a['name']}" for a in json.loads(answer)]

        seen = [await listed(), await listed()]
        status, _, created = await call(app, "POST", LIST, [bearer, FORM], b"username=bob&name=Bob")
        assert status == 200
        new_id = json.loads(created)[0]["id"]
        seen.append(await listed())
        await call(app, "PUT", f"{LIST}/{new_id}", [bearer, FORM], b"name=Bobby")
        seen.append(await listed())
        await call(app, "DELETE", f"{LIST}/{new_id}", [bearer])
        seen.append(await listed())
        app.state.reset()
        seen.append(await listed())
        return seen

    first, again, after_create, after_update, after_delete, after_reset = asyncio.run(scenario())
    assert first == again == ["1:reception:Reception desk"]
    assert after_create == [*first, "2:bob:Bob"]
    assert after_update == [*first, "2:bob:Bobby"]
    assert after_delete == first
    assert after_reset == first
