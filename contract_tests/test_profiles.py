"""The hypothesis profiles: ``ci`` is derandomized, ``fuzz`` is seeded and says which seed it used."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import settings

from contract_tests import profiles
from contract_tests import settings as env


def test_profiles_are_registered() -> None:
    ci, fuzz = settings.get_profile(profiles.CI), settings.get_profile(profiles.FUZZ)
    assert ci.derandomize
    assert ci.database is None
    assert not fuzz.derandomize
    assert profiles.BUDGETS[profiles.FUZZ].max_examples > profiles.BUDGETS[profiles.CI].max_examples * 10


def header(*args: str) -> str:
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-m", "pytest", "contract_tests/test_profiles.py", "--collect-only", *args],
        cwd=env.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_fuzz_profile_prints_its_seed() -> None:
    assert "contract profile fuzz (seed 4242;" in header("--hypothesis-profile=fuzz", "--hypothesis-seed=4242")
    assert "contract profile fuzz (seed " in header("--hypothesis-profile=fuzz")
    assert "contract profile ci (derandomized;" in header()
