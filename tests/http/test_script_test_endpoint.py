"""``GET /externalscripts/test`` fetches the script from a real local server and answers its XML and findings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mock_server.app import create_app
from tests.conftest import Api, seed_fixtures, warnings
from tests.script_server import SCRIPTS, ScriptServer, assert_matches_schema

KPN_FIELDS = ("id", "name", "url", "created_at", "updated_at")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Any]:
    shutil.copytree(SCRIPTS, tmp_path, dirs_exist_ok=True)
    (tmp_path / "page.html").write_text("<html/>", encoding="utf-8")
    (tmp_path / "cp932.xml").write_bytes(b'<?xml version="1.0" encoding="cp932"?><document/>')
    with ScriptServer(tmp_path) as running:
        yield running


def check_via_endpoint(api: Api, **params: str) -> dict[str, Any]:
    response = api.call("GET", "/externalscripts/test", params=params)
    assert response.status_code == 200, response.text
    assert_matches_schema("apidaze-cpaas.yaml", "ScriptTestResponse", response.json())
    [result] = response.json()
    assert set(result) == {*KPN_FIELDS, "status_code", "content_type", "xml", "findings"}
    return dict(result)


def test_a_valid_script_answers_its_xml_and_no_findings(api: Api, server: Any) -> None:
    url = server.url + "/ivr.xml"
    result = check_via_endpoint(api, url=url)
    assert result["url"] == url
    assert result["id"] == ""
    assert result["status_code"] == 200
    assert result["content_type"] == "text/xml; charset=utf-8"
    assert result["xml"].startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert f'<bind action="{server.url}/ivr/sales.xml">1</bind>' in result["xml"]
    assert result["findings"] == []


def test_a_broken_script_answers_its_findings(api: Api, server: Any) -> None:
    result = check_via_endpoint(api, url=server.url + "/broken/misplaced.xml")
    assert result["findings"] == [
        {"line": 5, "element": "bind", "message": "not allowed inside <work>: it belongs in <playback> or <speak>"},
        {"line": 6, "element": "number", "message": "not allowed inside <work>: it belongs in <dial>"},
        {"line": 8, "element": "speak", "message": "not allowed inside <dial>: it belongs in <work>"},
    ]


def test_the_fetch_carries_apidaze_parameters_and_extras(api: Api, server: Any) -> None:
    url = server.url + "/conference-room.xml"
    check_via_endpoint(api, url=url, caller_id_number="+31699999999", team="blue")
    [(path, params)] = server.requests
    assert path == "/conference-room.xml"
    assert params["caller_id_number"] == "+31699999999"
    assert params["team"] == "blue"
    assert params["url"] == url
    assert {"session_id", "uuid", "destination_number", "caller_username"} <= set(params)


def test_a_caller_that_is_one_of_the_clients_sip_accounts_sends_sip_from_uri(api: Api, server: Any) -> None:
    api.call("POST", "/sipaccounts", data={"username": "desk"})
    check_via_endpoint(api, url=server.url + "/ivr.xml", caller_username="desk")
    check_via_endpoint(api, url=server.url + "/ivr.xml", caller_username="visitor")
    assert server.requests[0][1]["sip_from_uri"] == "desk@alpha.example"
    assert "sip_from_uri" not in server.requests[1][1]


def test_url_and_parameters_may_come_as_a_form_body(api: Api, server: Any) -> None:
    # KPN's Swagger declares url in formData on this GET: a client generated from it sends it in the body.
    api.call("POST", "/externalscripts", data={"url": server.url + "/ivr.xml"})
    url = server.url + "/conference-room.xml"
    response = api.call("GET", "/externalscripts/test", data={"url": url, "team": "blue"})
    assert response.status_code == 200, response.text
    assert response.json()[0]["url"] == url  # not the stored script's
    [(path, params)] = server.requests
    assert (path, params["team"], params["url"]) == ("/conference-room.xml", "blue", url)


def test_a_parameter_given_both_ways_must_agree(api: Api, server: Any) -> None:
    url = server.url + "/ivr.xml"
    same = api.call("GET", "/externalscripts/test", params={"url": url}, data={"url": url})
    assert same.status_code == 200
    other = api.call("GET", "/externalscripts/test", params={"url": url}, data={"url": url + "?x"})
    assert other.status_code == 400
    assert other.json()["info"] == "query.url, body.url: conflicting"
    assert len(server.requests) == 1  # nothing fetched for the refused one


def test_a_form_body_is_checked_like_the_query(api: Api, strict_api: Api, server: Any) -> None:
    refused = strict_api.call("GET", "/externalscripts/test", data={"url": "ftp://x"})
    assert refused.status_code == 400
    assert "query.url" in refused.json()["message"]
    json_body = strict_api.call("GET", "/externalscripts/test", json={"url": server.url + "/ivr.xml"})
    assert json_body.status_code == 415
    lenient = api.call("GET", "/externalscripts/test", json={"url": server.url + "/ivr.xml"})
    assert lenient.status_code == 200
    assert warnings(api) == [
        "body: sent as application/json; KPN's contract takes application/x-www-form-urlencoded only "
        "(--strict refuses it)"
    ]
    not_text = api.call("GET", "/externalscripts/test", json={"url": server.url + "/ivr.xml", "n": 1})
    assert not_text.status_code == 400
    assert not_text.json()["info"] == "body.n: type"


def test_without_url_the_clients_own_script_is_tested(api: Api, server: Any) -> None:
    url = server.url + "/call-forward.xml"
    [script] = api.call("POST", "/externalscripts", data={"url": url, "name": "forward"}).json()
    result = check_via_endpoint(api)
    assert {name: result[name] for name in KPN_FIELDS} == script
    assert result["findings"] == []
    assert [path for path, _ in server.requests] == ["/call-forward.xml"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing.xml", "the script answered HTTP 404; APIdaze needs a 200 with XML"),
        ("/page.html", "Content-Type is 'text/html'; APIdaze expects text/xml"),
    ],
)
def test_http_errors_are_findings(api: Api, server: Any, path: str, message: str) -> None:
    result = check_via_endpoint(api, url=server.url + path)
    assert result["findings"][0]["line"] == 0
    assert result["findings"][0]["message"].startswith(message.split(";")[0])


def test_unreachable_and_disallowed_scripts_are_findings_not_errors(api: Api) -> None:
    refused = check_via_endpoint(api, url="http://192.0.2.1/script.xml")
    assert refused["status_code"] is None
    assert refused["xml"] == ""
    assert refused["findings"] == [
        {
            "line": 0,
            "element": "",
            "message": "host '192.0.2.1' is not allowed (allowed: loopback); see --script-hosts",
        }
    ]
    unreachable = check_via_endpoint(api, url="http://127.0.0.1:9/none.xml")
    assert unreachable["findings"][0]["message"].startswith("cannot fetch http://127.0.0.1:9/none.xml")


def test_script_hosts_widen_what_may_be_fetched() -> None:
    emulator = create_app(seed_fixtures(), script_hosts=["scripts.example"])
    assert emulator.state.script_policy.allowed_hosts == {"scripts.example"}
    assert emulator.state.script_policy.refusal("http://127.0.0.1/a.xml") is not None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:70000/x.xml", "invalid URL 'http://127.0.0.1:70000/x.xml': port 70000 is outside 1-65535"),
        ("http://xn--/x.xml", "invalid URL 'http://xn--/x.xml'"),
    ],
)
def test_invalid_ports_and_hosts_are_findings(api: Api, url: str, message: str) -> None:
    result = check_via_endpoint(api, url=url)
    assert result["status_code"] is None
    assert result["findings"][0]["message"].startswith(message)


def test_an_unreadable_encoding_is_a_finding(api: Api, server: Any) -> None:
    result = check_via_endpoint(api, url=server.url + "/cp932.xml")
    assert result["status_code"] == 200
    assert result["findings"] == [
        {
            "line": 1,
            "element": "",
            "message": "cannot read the document's encoding: multi-byte encodings are not supported",
        }
    ]
