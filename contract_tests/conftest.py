"""Contract tests: profiles, the run's seed, and a replay line under every failure.

Settings come from the environment (``contract_tests/settings.py``); the schema is loaded from
``openapi/apidaze-cpaas.yaml`` with an explicit config (``contract_tests/schema.py``).
"""

from __future__ import annotations

import random
from collections.abc import Generator

import hypothesis.core
import pytest
from hypothesis import settings as hypothesis_settings

from contract_tests import profiles, replay, run, settings


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # Runs after hypothesis' own pytest_configure has loaded --hypothesis-profile and --hypothesis-seed.
    run.PROFILE = profiles.active()
    given = config.getoption("hypothesis_seed", default=None)
    if given is not None:
        run.SEED = int(given)
    elif run.PROFILE == profiles.FUZZ:
        # A long run is seeded, never derandomized: a fresh seed each run, printed so a failure can be replayed.
        run.SEED = random.SystemRandom().randrange(2**32)
        hypothesis.core.global_force_seed = run.SEED  # what --hypothesis-seed sets


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A replay of one failing operation (APIDAZE_OPERATION): its schemathesis test only. pytest cannot select it by
    # id, and schema.include() has no effect once the config names operations (schemathesis 4.32).
    if settings.OPERATION is None:
        return
    chosen = [item for item in items if run.operation_of(item.nodeid) in (None, settings.OPERATION)]
    config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
    items[:] = chosen


def pytest_report_header(config: pytest.Config) -> list[str]:
    seed = "derandomized" if run.SEED is None else f"seed {run.SEED}"
    current = hypothesis_settings.get_current_profile_name()
    return [settings.describe(), f"contract profile {run.PROFILE} ({seed}; hypothesis default profile {current!r})"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and call.when == "call":
        # Curl lines as printed work when pasted: credentials and the in-process host become environment variables.
        report.longrepr = replay.pasteable(str(report.longrepr))
        report.sections.append(("replay", replay.section(item.nodeid)))
    return report


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(node: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    # schemathesis writes its failures anew here (after makereport): rewrite its curl lines too.
    if report.longrepr is not None:
        report.longrepr = replay.pasteable(str(report.longrepr))
