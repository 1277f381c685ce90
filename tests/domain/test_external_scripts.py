from __future__ import annotations

import pytest

from mock_server.domain.external_scripts import ExternalScriptStore
from mock_server.errors import ExternalScriptAlreadyExists, ExternalScriptNotFound


def test_only_one_script_per_client() -> None:
    store = ExternalScriptStore(lambda: 0.0)
    script = store.create("http://127.0.0.1/a.xml", "a")
    with pytest.raises(ExternalScriptAlreadyExists, match="update"):
        store.create("http://127.0.0.1/b.xml")
    assert store.list() == [script]


def test_update_keeps_name_unless_given_and_delete_frees_the_slot() -> None:
    clock = [0.0]
    store = ExternalScriptStore(lambda: clock[0])
    script = store.create("http://127.0.0.1/a.xml", "a")
    clock[0] = 5.0
    updated = store.update(script.id, "http://127.0.0.1/b.xml")
    assert (updated.name, updated.url, updated.updated_at) == ("a", "http://127.0.0.1/b.xml", 5.0)
    store.delete(script.id)
    assert store.list() == []
    again = store.create("http://127.0.0.1/c.xml")
    assert again.id != script.id
    with pytest.raises(ExternalScriptNotFound):
        store.get(script.id)
