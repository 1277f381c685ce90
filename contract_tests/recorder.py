"""An ASGI wrapper that notes every answer: what the coverage and auth tests look at."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Recorder:
    """Notes the method, path and status of every answer of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: list[tuple[str, str, int]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.seen.append((scope["method"], scope["path"], message["status"]))
            await send(message)

        await self.app(scope, receive, record if scope["type"] == "http" else send)

    def count(self, method: str, path: str, status: int | None = None) -> int:
        return sum(1 for m, p, s in self.seen if (m, p) == (method, path) and status in (None, s))
