"""``--state-file``: loaded whole or refused, saved atomically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mock_server.app import create_app
from mock_server.statefile import StateFileError, load_state_file, save_state_file


def test_a_saved_state_loads_into_a_new_emulator(tmp_path: Path) -> None:
    first = create_app()
    first.state.backends["local-client"].sip_accounts.create("alice", {})
    path = tmp_path / "nested" / "state.json"
    save_state_file(first.state, path)
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temporary file left behind

    second = create_app()
    assert load_state_file(second.state, path)
    assert second.state.export_state() == first.state.export_state()


def test_a_missing_file_is_a_fresh_start(tmp_path: Path) -> None:
    assert not load_state_file(create_app().state, tmp_path / "absent.json")


@pytest.mark.parametrize("content", ["{not json", "[]", '{"format": "apidaze-mock-state", "version": 1}'])
def test_a_bad_file_is_refused_and_changes_nothing(tmp_path: Path, content: str) -> None:
    app = create_app()
    before = app.state.export_state()
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(StateFileError, match=r"state\.json"):
        load_state_file(app.state, path)
    assert app.state.export_state() == before


def test_the_saved_file_is_the_export(tmp_path: Path) -> None:
    app = create_app()
    path = tmp_path / "state.json"
    save_state_file(app.state, path)
    assert json.loads(path.read_text()) == app.state.export_state()
