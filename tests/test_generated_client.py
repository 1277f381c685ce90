"""The contract generates a working client: openapi-python-client, from the served ``/openapi.yaml``, drives the API.

A client generated from a contract that declared each body as a form *and* as JSON did not import (``NameError:
Unset``) and, patched, sent both bodies. Here the generator's own output is imported as it is and drives every
operation against the emulator served on 127.0.0.1, each answer parsed into its model, in both response styles:
the generated code maps each documented status to its body (200 to an array, 201 to one object), so one client
works against either.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from mock_server.testing import ApidazeMock

PACKAGE = "kpn_cpaas_generated"


@pytest.fixture(scope="module")
def mock() -> Iterator[ApidazeMock]:
    with ApidazeMock() as served:
        yield served


@pytest.fixture(scope="module")
def generated(mock: ApidazeMock, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, imported from a temporary folder."""
    folder = tmp_path_factory.mktemp("generated")
    spec = folder / "openapi.yaml"
    spec.write_bytes(httpx.get(f"{mock.base_url}/openapi.yaml", timeout=10).raise_for_status().content)
    config = folder / "config.yaml"
    config.write_text("post_hooks: []\n", encoding="utf-8")  # no formatter run: the code is imported as generated
    generator = Path(sys.executable).with_name("openapi-python-client")
    command = [str(generator), "generate", "--path", str(spec), "--output-path", str(folder / PACKAGE)]
    result = subprocess.run(
        [*command, "--meta", "none", "--config", str(config)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def api(name: str) -> Any:
    """A generated operation module, e.g. ``api("vo_ip_sip_api.create_sip_account")``."""
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def one(answer: Any, model: type, style: str) -> Any:
    """The record of a success answer, parsed into ``model``: in a one-element list (kpn) or alone (upstream)."""
    if style == "kpn":
        assert isinstance(answer, list), answer
        (answer,) = answer
    assert isinstance(answer, model), answer
    return answer


@pytest.mark.parametrize("style", ["kpn", "upstream"])
def test_a_generated_client_drives_every_operation(mock: ApidazeMock, generated: ModuleType, style: str) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    client_id, secret = mock.add_client(f"generated-{style}", response_style=style)

    grant = models.GetAccessTokenGrantType("client_credentials")
    with generated.Client(base_url=mock.base_url, raise_on_unexpected_status=True) as plain:
        token = api("o_auth.get_access_token").sync(
            client=plain, body=models.TokenRequest(client_id=client_id, client_secret=secret), grant_type=grant
        )
    assert isinstance(token, models.TokenResponse), token
    with generated.AuthenticatedClient(
        base_url=mock.base_url, token=token.access_token, raise_on_unexpected_status=True
    ) as client:
        drive(client, models, style)


def drive(client: Any, models: Any, style: str) -> None:
    """Every API operation once, through the generated client."""
    # SIP accounts
    created = api("vo_ip_sip_api.create_sip_account").sync(
        client=client, body=models.SipAccountCreate(username="alice", name="Alice", internal_caller_id_number="101")
    )
    account = one(created, models.SIPAccountObject, style)
    assert (account.sip.username, account.callerid.internal_number) == ("alice", "101")
    listed = api("vo_ip_sip_api.list_sip_accounts").sync(client=client)
    assert [item.id for item in listed] == [account.id]
    assert all(isinstance(item, models.SIPAccountObject) for item in listed)
    read = one(api("vo_ip_sip_api.get_sip_account").sync(account.id, client=client), models.SIPAccountObject, style)
    assert read.to_dict() == account.to_dict()
    updated = api("vo_ip_sip_api.update_sip_account").sync(
        account.id, client=client, body=models.SipAccountUpdate(name="Alice B")
    )
    assert one(updated, models.SIPAccountObject, style).name == "Alice B"
    status = api("vo_ip_sip_api.get_sip_account_status").sync(account.id, client=client)
    assert one(status, models.SIPAccountStatusObject, style).status.value == "Not registered"
    deleted = api("vo_ip_sip_api.delete_sip_account").sync_detailed(account.id, client=client)
    if style == "kpn":
        assert one(deleted.parsed, models.SIPAccountObject, style).id == account.id
    else:
        assert (deleted.status_code, deleted.parsed) == (204, None)

    # The external script
    url = "http://127.0.0.1:9/ivr.xml"
    created = api("xml_scripting_api.create_external_script").sync(
        client=client, body=models.ExternalScriptCreate(url=url, name="ivr")
    )
    script = one(created, models.XMLScriptingObject, style)
    assert (script.url, script.name) == (url, "ivr")
    listed = api("xml_scripting_api.list_external_scripts").sync(client=client)
    assert [item.id for item in listed] == [script.id]
    read = one(
        api("xml_scripting_api.get_external_script").sync(script.id, client=client), models.XMLScriptingObject, style
    )
    assert read.to_dict() == script.to_dict()
    updated = api("xml_scripting_api.update_external_script").sync(
        script.id, client=client, body=models.ExternalScriptUpdate(url=url + "?v=2")
    )
    assert one(updated, models.XMLScriptingObject, style).url == url + "?v=2"
    tested = one(api("xml_scripting_api.test_external_script").sync(client=client), models.ScriptTestObject, style)
    assert tested.url == url + "?v=2"
    assert tested.status_code is None  # nothing listens on port 9: a finding, not an error
    assert tested.findings[0].line == 0
    deleted = api("xml_scripting_api.delete_external_script").sync_detailed(script.id, client=client)
    assert deleted.status_code == 204
    assert api("xml_scripting_api.list_external_scripts").sync(client=client) == []
