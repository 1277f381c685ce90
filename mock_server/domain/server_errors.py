"""Unexpected exceptions inside the emulator, kept so the test that caused one can fail on it.

An emulator bug answers a client 500, and a client that retries 500s would pass its test anyway: the pytest fixture
reads this record at teardown, as pytest-httpserver's ``check_handler_errors`` does.
"""

from __future__ import annotations

import traceback
from collections import deque
from dataclasses import dataclass

CAPACITY = 100


@dataclass(frozen=True)
class ServerError:
    time: float
    method: str
    path: str
    error: str
    traceback: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}: {self.error}\n{self.traceback}"


class ServerErrors:
    """The last :data:`CAPACITY` unexpected exceptions, oldest first."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._errors: deque[ServerError] = deque(maxlen=capacity)

    def record(self, time: float, method: str, path: str, exc: BaseException) -> ServerError:
        error = ServerError(
            time, method, path, f"{type(exc).__name__}: {exc}", "".join(traceback.format_exception(exc))
        )
        self._errors.append(error)
        return error

    def all(self) -> list[ServerError]:
        return list(self._errors)

    def clear(self) -> None:
        self._errors.clear()
