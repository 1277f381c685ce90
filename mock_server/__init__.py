"""apidaze-mock: an offline emulator of KPN's CPaaS APIdaze voice API."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("apidaze-mock")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0.0.0"

from mock_server.app import Emulator, create_app

__all__ = ["Emulator", "__version__", "create_app"]
