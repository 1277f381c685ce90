"""An unexpected exception becomes KPN's 500: logged with its traceback, filed for the test, answered in shape.

It is the innermost layer, so the 500 still passes quota, auth, journal and headers on its way out and carries
every contract header. The exception stops here: uvicorn closes a connection an exception reaches, and the client's
next kept-alive request would meet a reset instead of an answer. A client that hangs up mid-body
(``ClientDisconnect``) is not an error: there is no one left to answer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.clock import Clock
from mock_server.domain.server_errors import ServerErrors
from mock_server.errors import ApiError
from mock_server.http import error_response

log = logging.getLogger("apidaze_mock")


class ErrorsMiddleware:
    def __init__(self, app: ASGIApp, errors: ServerErrors, clock: Clock) -> None:
        self.app = app
        self.errors = errors
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        def send_noting_start(message: Message) -> Awaitable[None]:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            return send(message)

        try:
            await self.app(scope, receive, send_noting_start)
        except ClientDisconnect:
            return
        except Exception as exc:
            self.errors.record(self.clock.now(), scope["method"], scope["path"], exc)
            log.error("unhandled error on %s %s", scope["method"], scope["path"], exc_info=exc)
            if started:
                raise  # half an answer is out: only closing the connection tells the client
            await error_response(ApiError(info="see the emulator's log"), scope)(scope, receive, send)
