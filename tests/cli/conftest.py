"""``served``: what ``apidaze-mock`` (``cli.main``) hands to uvicorn, without serving."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from mock_server import cli
from mock_server.access_log import ACCESS_LOGGER
from mock_server.serving import Companion


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """What main() hands to uvicorn, without serving."""
    seen: dict[str, Any] = {}

    def fake_run(server: uvicorn.Server, companions: list[Companion]) -> None:
        config = server.config
        seen.update(
            app=config.app, log_level=config.log_level, access_log=config.access_log, log_config=config.log_config
        )
        for companion in companions:  # the SIP side took its port: give it back
            asyncio.run(companion.stop())

    monkeypatch.setattr(cli, "run", fake_run)
    yield seen
    # main() configured logging for the process; give pytest's capture back its loggers.
    for name in ("apidaze_mock", ACCESS_LOGGER, "uvicorn"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
