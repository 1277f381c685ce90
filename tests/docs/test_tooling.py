from __future__ import annotations

import configparser
import sys
from pathlib import Path

import pytest

from tests import run_live

ROOT = Path(__file__).resolve().parents[2]


def tox() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini")
    return parser


def test_tox_has_the_documented_environments() -> None:
    environments = {section.removeprefix("testenv:") for section in tox().sections() if section.startswith("testenv:")}
    assert environments == {"py", "lint", "type", "contract-live", "docs-browser"}
    readme = (ROOT / "README.md").read_text()
    for environment in environments:
        assert f"`tox -e {environment}`" in readme


def test_tox_commands_name_existing_paths() -> None:
    config = tox()
    assert "hadolint docker/Dockerfile" in config["testenv:lint"]["commands"]
    assert (ROOT / "docker" / "Dockerfile").is_file()
    assert config["testenv:docs-browser"]["commands"].strip() == "pytest tests/browser {posargs}"
    assert (ROOT / "tests" / "browser").is_dir()
    assert "python -m tests.run_live pytest contract_tests" in config["testenv:contract-live"]["commands"]


def test_run_live_starts_a_fresh_emulator_when_no_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APIDAZE_BASE_URL", raising=False)
    probe = "import os, urllib.request; urllib.request.urlopen(os.environ['APIDAZE_BASE_URL'] + '/__admin/health')"
    assert run_live.main([sys.executable, "-c", probe]) == 0
    assert run_live.main([sys.executable, "-c", "raise SystemExit(3)"]) == 3


def test_run_live_uses_the_given_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APIDAZE_BASE_URL", "http://192.0.2.1:9")
    check = "import os; raise SystemExit(os.environ['APIDAZE_BASE_URL'] != 'http://192.0.2.1:9')"
    assert run_live.main([sys.executable, "-c", check]) == 0


def test_every_file_the_docs_link_to_is_in_the_repository() -> None:
    """A citation a reader cannot open is no source: every relative link of the README and docs/ resolves."""
    import re

    missing = []
    for document in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = document.read_text(encoding="utf-8")
        # Links, and paths written as code that climb out of the folder (``../somewhere/notes.md``).
        for target in [*re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text), *re.findall(r"`(\.\./[^`\s]+)`", text)]:
            if "://" not in target and not (document.parent / target).exists():
                missing.append(f"{document.name}: {target}")
    assert missing == []
