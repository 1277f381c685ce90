"""The one emulator (in-process) or URL (live) the session tests, and its schema.

Imported by test modules at collection time, after pytest has loaded the hypothesis profile and seed.
"""

from __future__ import annotations

from contract_tests import profiles, run, settings
from contract_tests.schema import load_schema
from mock_server.app import Emulator, create_app

APP: Emulator | None = create_app() if settings.IN_PROCESS else None

schema = load_schema(
    APP,
    base_url=settings.BASE_URL,
    max_examples=profiles.budget().max_examples,
    seed=run.SEED,
)


def reset_tenant() -> None:
    """In-process: the fixture client's SIP accounts, script and quota back to the fixtures (its tokens stay valid)."""
    if APP is not None:
        APP.state.reset(settings.CLIENT_ID)
