"""Serve an emulator on a free loopback port in a thread, for tests that need real sockets: the shipped server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mock_server.app import Emulator
from mock_server.serving import ServerThread


@contextmanager
def serve(app: Emulator) -> Iterator[str]:
    """``app`` served as ``mock_server.testing`` serves it (uvicorn, the emulator's protocol); yields the base URL."""
    server = ServerThread(app)
    try:
        yield server.start()
    finally:
        server.stop()
