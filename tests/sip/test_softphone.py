"""A real softphone against the emulator: Debian's baresip, headless, over loopback.

It registers (the status endpoint says ``Registered``), unregisters and registers again through baresip's own
commands, loses its registration when the emulator's clock passes its expiry, then places a call: the client's
External Script answers, the caller presses 1 (an RFC 4733 telephone-event, as baresip sends keys), the script
follows its bind and hangs up with a BYE.

baresip is driven through its ``cons`` module (a UDP console: each datagram is typed as keys), with a silent WAV as
its microphone and no speaker. ``.ci/run`` installs ``baresip-core`` and sets ``APIDAZE_REQUIRE_BARESIP=1``, so in
CI this test fails rather than skips when baresip is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.testing import ApidazeMock
from tests.script_server import ScriptServer

SCRIPTS = Path(__file__).parent / "scripts"
BARESIP = shutil.which("baresip")
DOMAIN = "softphone.example"

if BARESIP is None and os.environ.get("APIDAZE_REQUIRE_BARESIP") != "1":
    pytest.skip("baresip is not installed (apt-get install baresip-core)", allow_module_level=True)

CONFIG = """\
poll_method epoll
sip_listen 127.0.0.1:0
audio_source aufile,{silence}
audio_player aufile,/dev/null
audio_alert aufile,/dev/null
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module cons.so
cons_listen 127.0.0.1:{console}
module_tmp account.so
module_app menu.so
"""


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Softphone:
    """baresip in a subprocess, typed at through its UDP console."""

    def __init__(self, home: Path, account_line: str) -> None:
        assert BARESIP is not None, "baresip is required here (APIDAZE_REQUIRE_BARESIP=1): apt-get install baresip-core"
        silence = home / "silence.wav"
        with wave.open(str(silence), "wb") as audio:  # 8 kHz mono, as G.711 wants: two seconds, looped
            audio.setnchannels(1)
            audio.setsampwidth(2)
            audio.setframerate(8000)
            audio.writeframes(b"\0\0" * 16000)
        self.console = ("127.0.0.1", free_udp_port())
        (home / "config").write_text(CONFIG.format(silence=silence, console=self.console[1]))
        (home / "accounts").write_text(account_line + "\n")
        self.log = home / "baresip.log"
        with self.log.open("w") as sink:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [BARESIP, "-f", str(home)], stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT
            )
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def type(self, keys: str) -> None:
        self.sock.sendto(keys.encode(), self.console)

    def stop(self) -> None:
        self.type("/quit\n")
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.sock.close()


def eventually(check: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.05)
    return result


@pytest.fixture
def mock() -> Iterator[ApidazeMock]:
    with ApidazeMock(domain=DOMAIN) as handle:
        handle.prepare(domain=DOMAIN, sip_accounts=[{"username": "alice", "internal_caller_id_number": "201"}])
        yield handle


def test_baresip_registers_unregisters_expires_and_calls_the_script(mock: ApidazeMock, tmp_path: Path) -> None:
    host, port = mock.sip_address
    password = mock.tenant().sip_accounts.by_username("alice").password
    # The softphone settings of the README: domain, username, password, outbound proxy.
    line = f'<sip:alice@{DOMAIN}>;auth_pass={password};outbound="sip:{host}:{port}";regint=600'
    token = mock.token()

    def status() -> str:
        with httpx.Client(base_url=mock.api_url, headers={"Authorization": f"Bearer {token}"}) as http:
            answer: str = http.get("/sipaccounts/1/status").json()[0]["status"]
        return answer

    with ScriptServer(SCRIPTS) as scripts:
        mock.tenant().external_scripts.create(f"{scripts.url}/menu.xml")
        phone = Softphone(tmp_path, line)
        try:
            eventually(lambda: status() == "Registered", "registration")
            phone.type(f"/uadel sip:alice@{DOMAIN}\n")
            eventually(lambda: status() == "Not registered", "unregistration")
            phone.type(f"/uanew {line}\n")
            eventually(lambda: status() == "Registered", "second registration")
            mock.clock.advance(600)
            assert status() == "Not registered"

            phone.type("/dial +31201234567\n")
            calls = mock.call(lambda: mock.state.calls)
            eventually(lambda: any(e["type"] == "spoke" for c in calls.list() for e in c.events), "the prompt")
            phone.type("1")
            record = eventually(lambda: next((c for c in calls.list() if c.ended_at is not None), None), "the end")
        finally:
            phone.stop()
    events = record.to_api()["events"]
    assert [event["type"] for event in events] == [
        "fetched", "answered", "spoke", "dtmf", "pressed", "fetched", "spoke", "hung_up",
    ]  # fmt: skip
    assert events[3] == {"type": "dtmf", "key": "1", "via": "rtp"}
    assert events[-1] == {"type": "hung_up", "by": "script"}
    first = events[0]["params"]
    assert (first["caller_username"], first["caller_id_number"], first["destination_number"]) == (
        "alice",
        "201",
        "+31201234567",
    )
    # baresip's words for a BYE from the far end (libre reports it as ECONNRESET).
    assert "session closed: Connection reset by peer" in phone.log.read_text()
