"""Logs a user can read: one access line per request, text or JSON, and never a token or a secret.

``AccessLogMiddleware`` is the outermost layer when the access log is on (``apidaze-mock`` leaves it out entirely
when off, so it costs nothing then). It logs method, path, query with secret values masked, the OAuth client id that
auth put in ``scope["apidaze.client_id"]``, status and duration. Headers and bodies are never logged: they carry
bearer tokens, Basic credentials and client secrets.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.domain.journal import redact_query
from mock_server.paths import TOKEN_PATH

ACCESS_LOGGER = "apidaze_mock.access"
LEVELS = ("critical", "error", "warning", "info", "debug")
FORMATS = ("text", "json")
MASK = "***"


class AccessLogMiddleware:
    """One ``apidaze_mock.access`` INFO record per HTTP request, after the answer is sent."""

    def __init__(self, app: ASGIApp, logger: logging.Logger | None = None) -> None:
        self.app = app
        self.logger = logger or logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        except Exception:
            status = status or 500
            raise
        finally:
            self._log(scope, status, (time.perf_counter() - started) * 1000)

    def _log(self, scope: Scope, status: int, duration_ms: float) -> None:
        path: str = scope["path"]
        query = redact_query(scope.get("query_string", b""), path == TOKEN_PATH, MASK)
        client_id: str | None = scope.get("apidaze.client_id")
        remote = scope.get("client")
        fields: dict[str, Any] = {
            "method": scope["method"],
            "path": path,
            "query": query,
            "status": status or None,
            "duration_ms": round(duration_ms, 2),
            "client_id": client_id,
            "remote": f"{remote[0]}:{remote[1]}" if remote else None,
        }
        target = f"{path}?{query}" if query else path
        self.logger.info(
            "%s %s %s %.1fms client=%s",
            scope["method"],
            target,
            status or "-",
            duration_ms,
            client_id or "-",
            extra={"access": fields},
        )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the access fields when there are any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            entry.update(access)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def logging_config(level: str = "info", fmt: str = "text") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the emulator and uvicorn (pass it as uvicorn's ``log_config``)."""
    level = level.upper()
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if fmt == "json" else {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {
            # Like uvicorn: the access log on stdout, everything else on stderr.
            "stdout": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stdout"},
            "stderr": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "apidaze_mock": {"handlers": ["stderr"], "level": level, "propagate": False},
            ACCESS_LOGGER: {"handlers": ["stdout"], "level": level, "propagate": False},
        },
    }
