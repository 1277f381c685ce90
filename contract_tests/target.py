"""The one emulator (in-process) or URL (live) the session tests, and its schema.

Imported by test modules at collection time, after pytest has loaded the hypothesis profile and seed.
"""

from __future__ import annotations

from contract_tests import profiles, run, settings
from contract_tests.client import Target, in_process_target, live_target
from contract_tests.schema import load_schema
from mock_server.app import Emulator, create_app

APP: Emulator | None = create_app() if settings.IN_PROCESS else None

schema = load_schema(
    APP,
    base_url=settings.BASE_URL,
    max_examples=profiles.budget().max_examples,
    seed=run.SEED,
)


_target: Target | None = None


def shared_target() -> Target:
    """The state machine's client for this run (one token for all its requests), created on first use."""
    global _target
    if _target is None:
        _target = in_process_target(APP) if APP is not None else live_target(settings.BASE_URL or "")
    return _target
