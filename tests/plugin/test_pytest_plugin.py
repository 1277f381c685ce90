"""The ``apidaze_mock`` fixture as a user's suite meets it: pytester runs small test files that use it."""

from __future__ import annotations

# Imported here, before any in-process run: pytester drops the modules an inner run imported first, and httpx keeps
# a map of httpcore's exception classes, so a fresh httpcore afterwards would slip past that map in later tests.
import httpcore  # noqa: F401
import pytest


def test_each_test_gets_working_credentials_and_a_clean_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"

        def token(mock, http):
            return http.post(mock.token_url, data=mock.credentials.form()).json()["access_token"]

        def test_first_leaves_a_mess(apidaze_mock):
            with httpx.Client(base_url=apidaze_mock.base_url) as http:
                headers = {"Authorization": f"Bearer {token(apidaze_mock, http)}"}
                assert http.post(ACCOUNTS, json={"username": "alice"}, headers=headers).status_code == 200
            apidaze_mock.faults.add(path="/sipaccounts", status=503)
            apidaze_mock.clock.advance(3600)
            apidaze_mock.add_client("stray", "stray-secret")

        def test_second_starts_clean(apidaze_mock):
            assert apidaze_mock.faults.all() == []
            assert apidaze_mock.journal.count() == 0
            assert apidaze_mock.tenant().sip_accounts.list() == []
            assert apidaze_mock.state.clients.get("stray") is None
            assert apidaze_mock.state.clock.is_real
            with httpx.Client(base_url=apidaze_mock.base_url) as http:
                headers = {"Authorization": f"Bearer {token(apidaze_mock, http)}"}
                assert http.get(ACCOUNTS, headers=headers).json() == []
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers", "-W", "error")
    result.assert_outcomes(passed=2)


def test_the_marker_configures_the_client_and_the_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"

        @pytest.mark.apidaze_mock(
            client_id="billing-team",
            quota={"limit": 1},
            sip_accounts=[{"username": "desk", "name": "Desk"}],
            frozen_at=1_800_000_000,
        )
        def test_configured(apidaze_mock):
            assert apidaze_mock.credentials.client_id == "billing-team"
            with apidaze_mock.client() as http:  # in process, no socket
                headers = {"Authorization": f"Bearer {apidaze_mock.token()}"}
                first = http.get(ACCOUNTS, headers=headers)
                assert [a["name"] for a in first.json()] == ["Desk"]
                assert first.headers["quota-limit"] == "1"
                assert http.get(ACCOUNTS, headers=headers).status_code == 429
            assert apidaze_mock.clock.now().timestamp() == 1_800_000_000

        @pytest.mark.apidaze_mock(chaos="3:1")
        def test_chaos_from_the_marker(apidaze_mock):
            assert apidaze_mock.faults.all() == []
            assert apidaze_mock.state.faults.chaos is not None

        def test_default_client(apidaze_mock):
            assert apidaze_mock.credentials.client_id == "apidaze-mock-tests"
            assert apidaze_mock.state.faults.chaos is None
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers", "-W", "error")
    result.assert_outcomes(passed=3)


def test_the_marker_sets_the_response_style_and_strictness(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"

        def create(apidaze_mock, **form):
            with apidaze_mock.client() as http:
                return http.post(ACCOUNTS, data=form, headers={"Authorization": f"Bearer {apidaze_mock.token()}"})

        @pytest.mark.apidaze_mock(response_style="upstream")
        def test_upstream(apidaze_mock):
            created = create(apidaze_mock, username="alice")
            assert created.status_code == 201
            assert created.json()["sip"]["username"] == "alice"

        @pytest.mark.apidaze_mock(strict=True)
        def test_strict(apidaze_mock):
            assert create(apidaze_mock, username="alice", email_address="a@example.com").status_code == 400

        def test_default_is_kpn_and_lenient(apidaze_mock):
            created = create(apidaze_mock, username="alice", email_address="a@example.com")
            assert created.status_code == 200
            assert created.json()[0]["sip"]["username"] == "alice"
            [entry] = apidaze_mock.journal.entries(limit=1)
            assert entry["warnings"] == [
                "body.email_address: not a field of createSipAccount; ignored (--strict refuses it)"
            ]

        @pytest.mark.apidaze_mock(response_style="soap")
        def test_unknown_style(apidaze_mock):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers", "-W", "error")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*response_style*soap*"])


def test_a_misused_marker_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.apidaze_mock(colour="red")
        def test_bad_option(apidaze_mock):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*apidaze_mock*colour*"])
    assert result.ret != 0


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.apidaze_mock(*"])


def test_the_session_app_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from mock_server.app import create_app

        @pytest.fixture(scope="session")
        def apidaze_mock_app():
            return create_app(journal_size=2)
        """
    )
    pytester.makepyfile(
        """
        def test_uses_it(apidaze_mock):
            assert apidaze_mock.journal.capacity == 2
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_an_override_in_a_sub_folder_holds_there_whatever_ran_first(pytester: pytest.Pytester) -> None:
    # The root test builds the session's default emulator first; the sub folder's must still get its own, and a
    # root test after it the default again.
    pytester.makepyfile(
        test_a_root="""
        def test_default_first(apidaze_mock):
            assert apidaze_mock.journal.capacity == 1000
        """,
        test_z_root="""
        def test_default_after(apidaze_mock):
            assert apidaze_mock.journal.capacity == 1000
            assert apidaze_mock.base_url.startswith("http://")
        """,
    )
    sub = pytester.mkpydir("test_sub")
    (sub / "conftest.py").write_text(
        "import pytest\n"
        "from mock_server.app import create_app\n\n"
        "@pytest.fixture(scope='module')\n"
        "def apidaze_mock_app():\n"
        "    return create_app(journal_size=2)\n"
    )
    (sub / "test_b_sub.py").write_text(
        "def test_sub_folder_app(apidaze_mock):\n"
        "    assert apidaze_mock.journal.capacity == 2\n"
        "    with apidaze_mock.client(in_process=False) as http:\n"
        "        assert http.get('/__admin/health').status_code == 200\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        ["*test_a_root.py::test_default_first PASSED*", "*test_b_sub.py*PASSED*", "*test_z_root*"]
    )


def test_marker_takes_iso_instants_and_a_token_lifetime(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"

        @pytest.mark.apidaze_mock(frozen_at="2030-01-01T00:00:30Z", token_lifetime=60)
        def test_short_tokens(apidaze_mock):
            assert apidaze_mock.clock.now().isoformat() == "2030-01-01T00:00:30+00:00"
            with apidaze_mock.client() as http:
                reply = http.post("/oauth/client_credential/accesstoken", data=apidaze_mock.credentials.form())
                assert reply.json()["expires_in"] == "60"
                headers = {"Authorization": "Bearer " + reply.json()["access_token"]}
                assert http.get(ACCOUNTS, headers=headers).status_code == 200
                apidaze_mock.clock.set("2030-01-01T00:01:31", freeze=True)  # no offset: UTC
                assert http.get(ACCOUNTS, headers=headers).status_code == 401

        def test_next_test_has_the_default_lifetime(apidaze_mock):
            with apidaze_mock.client() as http:
                reply = http.post("/oauth/client_credential/accesstoken", data=apidaze_mock.credentials.form())
                assert reply.json()["expires_in"] == "3599"

        @pytest.mark.apidaze_mock(token_lifetime=0)
        def test_out_of_bounds(apidaze_mock):
            pass

        @pytest.mark.apidaze_mock(frozen_at="next tuesday")
        def test_not_an_instant(apidaze_mock):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers", "-W", "error")
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(
        ["*apidaze_mock: *token_lifetime_seconds*", "*apidaze_mock: 'next tuesday' is not an ISO 8601*"]
    )


def test_an_emulator_crash_fails_the_test_at_teardown_unless_expected(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"

        @pytest.fixture
        def broken_list(monkeypatch):
            def explode(self):
                raise RuntimeError("emulator bug")

            monkeypatch.setattr("mock_server.domain.sip_accounts.SipAccountStore.list", explode)

        def list_until_it_works(mock):
            # A client that retries 500s: it sees only 500s, gives up, and its test would still pass.
            with mock.client() as http:
                headers = {"Authorization": f"Bearer {mock.token()}"}
                return [http.get(ACCOUNTS, headers=headers).status_code for _ in range(2)]

        def test_hidden_by_retries(apidaze_mock, broken_list):
            assert list_until_it_works(apidaze_mock) == [500, 500]

        @pytest.mark.apidaze_mock(expect_server_errors=True)
        def test_expected(apidaze_mock, broken_list):
            assert list_until_it_works(apidaze_mock) == [500, 500]
            assert len(apidaze_mock.server_errors) == 2

        def test_the_next_test_starts_without_them(apidaze_mock):
            assert apidaze_mock.server_errors == []
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers", "-W", "error")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_hidden_by_retries*",
            "*apidaze-mock met 2 unexpected exception(s)*",
            "*RuntimeError: emulator bug*",
        ]
    )


def test_the_fixture_starts_the_sip_side_when_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import socket

        import pytest

        @pytest.mark.apidaze_mock(domain="plugin.example")
        def test_options_over_udp(apidaze_mock):
            host, port = apidaze_mock.sip_address
            assert apidaze_mock.sip_domain == "plugin.example"
            options = (
                "OPTIONS sip:plugin.example SIP/2.0\\r\\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKp\\r\\n"
                "From: <sip:a@plugin.example>;tag=1\\r\\nTo: <sip:plugin.example>\\r\\nCall-ID: p\\r\\n"
                "CSeq: 1 OPTIONS\\r\\nContent-Length: 0\\r\\n\\r\\n"
            )
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(5)
                sock.sendto(options.encode(), (host, port))
                assert sock.recv(4096).startswith(b"SIP/2.0 200 OK")
            assert apidaze_mock.journal.count(method="OPTIONS") == 1

        def test_the_next_test_finds_it_still_there(apidaze_mock):
            assert apidaze_mock.sip_address[1] > 0
            assert apidaze_mock.journal.count() == 0
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers", "-W", "error")
    result.assert_outcomes(passed=2)
