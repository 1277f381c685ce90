"""The emulators (in-process) or URL (live) the session tests, and their schemas.

In-process there is one emulator per response style (``kpn``, the default, and ``upstream``), so the same suite
holds both to the one contract; live there is the one URL, in whatever style it answers.

Imported by test modules at collection time, after pytest has loaded the hypothesis profile and seed.
"""

from __future__ import annotations

from schemathesis.specs.openapi.schemas import OpenApiSchema

from contract_tests import profiles, run, settings
from contract_tests.client import Target, in_process_target, live_target
from contract_tests.schema import load_schema
from mock_server.app import Emulator, create_app
from mock_server.spec import response_styles

DEFAULT_STYLE, *OTHER_STYLES = response_styles()
APPS: dict[str, Emulator] = (
    {style: create_app(response_style=style) for style in response_styles()} if settings.IN_PROCESS else {}
)


def _schema(app: Emulator | None) -> OpenApiSchema:
    return load_schema(app, base_url=settings.BASE_URL, max_examples=profiles.budget().max_examples, seed=run.SEED)


# The run's target: the default style in-process, or the live URL.
schema = _schema(APPS.get(DEFAULT_STYLE))
# In-process only, the emulators in the other response styles (empty live).
other_schemas = {style: _schema(APPS[style]) for style in OTHER_STYLES if style in APPS}

_targets: dict[str, Target] = {}


def shared_target(style: str = DEFAULT_STYLE) -> Target:
    """The state machine's client for this run (one token for all its requests), created on first use.

    In-process, ``style`` picks the emulator; live there is one target, whatever ``style`` says.
    """
    key = style if settings.IN_PROCESS else ""
    if key not in _targets:
        _targets[key] = in_process_target(APPS[style]) if settings.IN_PROCESS else live_target(settings.BASE_URL or "")
    return _targets[key]
