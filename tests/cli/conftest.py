"""``served``: what ``apidaze-mock`` (``cli.main``) hands to uvicorn, without serving."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from mock_server import cli
from mock_server.logs import ACCESS_LOGGER


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """What main() hands to uvicorn, without serving."""
    seen: dict[str, Any] = {}

    def fake_run(server: uvicorn.Server, *args: Any) -> None:
        config = server.config
        seen.update(
            app=config.app, log_level=config.log_level, access_log=config.access_log, log_config=config.log_config
        )

    monkeypatch.setattr(cli._Server, "run", fake_run)
    yield seen
    # main() configured logging for the process; give pytest's capture back its loggers.
    for name in ("apidaze_mock", ACCESS_LOGGER, "uvicorn"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
