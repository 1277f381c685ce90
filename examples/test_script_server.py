"""The example script server does what its docstring promises (examples run as tests)."""

from __future__ import annotations

from pathlib import Path

import httpx
from script_server import ScriptServer, choose


def test_serves_scripts_as_text_xml_on_its_own_address(tmp_path: Path) -> None:
    (tmp_path / "menu.xml").write_text('<bind action="http://127.0.0.1:8081/next.xml">1</bind>', encoding="utf-8")
    with ScriptServer(tmp_path) as server, httpx.Client(trust_env=False) as client:
        response = client.get(server.url + "/menu.xml", params={"caller_id_number": "+31600000000"})
        missing = client.get(server.url + "/../secret.xml")
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.text == f'<bind action="{server.url}/next.xml">1</bind>'
    assert server.requests[0] == ("/menu.xml", {"caller_id_number": "+31600000000"})
    assert missing.status_code == 404


def test_reacts_to_the_dial_outcome() -> None:
    assert choose("/call-forward/after-dial.xml", {"bridge_status": "SUCCESS"}) == "/call-forward/goodbye.xml"
    assert choose("/call-forward/after-dial.xml", {"bridge_status": "BUSY"}) == "/call-forward/voicemail.xml"
    assert choose("/ivr.xml", {}) == "/ivr.xml"
