"""The OpenAPI files read the same through libyaml's loader as through PyYAML's pure-Python one."""

from __future__ import annotations

import pytest
import yaml

from mock_server.spec import ADMIN_SPEC, API_SPEC, load_spec, spec_path


@pytest.mark.parametrize("name", [API_SPEC, ADMIN_SPEC])
def test_spec_documents_match_the_safe_loader(name: str) -> None:
    assert load_spec(name) == yaml.safe_load(spec_path(name).read_text(encoding="utf-8"))
