"""The external script of one tenant: at most one per domain, as the platform allows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from mock_server.clock import iso_utc
from mock_server.errors import ExternalScriptAlreadyExists, ExternalScriptNotFound


@dataclass(frozen=True, slots=True)
class ExternalScript:
    id: str
    name: str
    url: str
    created_at: float
    updated_at: float

    def to_api(self) -> dict[str, Any]:
        """KPN's ``XMLScriptingObject``."""
        return {
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "created_at": iso_utc(self.created_at),
            "updated_at": iso_utc(self.updated_at),
        }


class ExternalScriptStore:
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._script: ExternalScript | None = None
        self.next_id = 1

    def list(self) -> list[ExternalScript]:
        return [self._script] if self._script else []

    @property
    def current(self) -> ExternalScript | None:
        return self._script

    def get(self, script_id: str) -> ExternalScript:
        if self._script is None or self._script.id != script_id:
            raise ExternalScriptNotFound(info=f"id={script_id!r}")
        return self._script

    def create(self, url: str, name: str = "", script_id: str | None = None) -> ExternalScript:
        """The script, with the next id or with ``script_id`` (a seed that names its ids)."""
        if self._script is not None:
            raise ExternalScriptAlreadyExists(info=f"existing script id={self._script.id!r}")
        now = self._now()
        self._script = ExternalScript(str(self.next_id) if script_id is None else script_id, name, url, now, now)
        self._count(self._script.id)
        return self._script

    def update(self, script_id: str, url: str, name: str | None = None) -> ExternalScript:
        current = self.get(script_id)
        self._script = replace(current, url=url, name=current.name if name is None else name, updated_at=self._now())
        return self._script

    def delete(self, script_id: str) -> ExternalScript:
        script = self.get(script_id)
        self._script = None
        return script

    def restore(self, script: ExternalScript) -> None:
        if self._script is not None:
            raise ExternalScriptAlreadyExists(info="a snapshot or seed holds two scripts for one client")
        self._script = script
        self._count(script.id)

    def _count(self, script_id: str) -> None:
        """Ids are never handed out twice: the counter moves past every numeric id stored."""
        if script_id.isascii() and script_id.isdigit():
            self.next_id = max(self.next_id, int(script_id) + 1)
