"""Calls from a plain-socket phone: the External Script runs in the simulator and drives the call on the wire."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosipua import SipRequest, SipResponse, parse_sdp

from mock_server.sip.limits import SipLimits
from tests.script_server import ScriptServer
from tests.sip.conftest import RunningSip
from tests.sip.phone import Caller

SCRIPTS = Path(__file__).parent / "scripts"


@pytest.fixture(scope="module")
def scripts() -> Iterator[ScriptServer]:
    with ScriptServer(SCRIPTS) as server:
        yield server


def caller(sip: RunningSip, scripts: ScriptServer, script: str | None = "menu.xml", **fields: Any) -> Caller:
    """A phone of alice, whose client's External Script is ``script``."""
    if script is not None:
        sip.run(lambda: sip.state.backends["alpha"].external_scripts.create(f"{scripts.url}/{script}"))
    account = sip.account("alice", **fields)
    phone = Caller(sip.address, account.username, account.password, "alpha.example")
    sip.phones.append(phone)
    return phone


def call_record(sip: RunningSip) -> dict[str, Any]:
    records = sip.run(lambda: sip.state.calls.list(origin="sip"))
    assert len(records) == 1
    view: dict[str, Any] = sip.run(records[0].to_api)
    return view


def wait_until_ended(sip: RunningSip) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while (record := call_record(sip))["state"] != "ended":
        assert time.monotonic() < deadline, record
        time.sleep(0.02)
    return record


def bye_from_server(phone: Caller) -> SipRequest:
    message = phone.receive()
    while isinstance(message, SipResponse):  # 200 retransmissions before our ACK landed
        message = phone.receive()
    assert message.method == "BYE", message
    phone.answer(message)
    return message


def kinds(record: dict[str, Any]) -> list[str]:
    return [event["type"] for event in record["events"]]


def test_a_call_answers_takes_a_key_by_info_and_ends_with_the_scripts_bye(
    sip: RunningSip, scripts: ScriptServer
) -> None:
    phone = caller(sip, scripts, internal_caller_id_number="101")
    answer = phone.invite("+31201234567")
    assert answer is not None
    assert answer.status_code == 200
    assert answer.content_type == "application/sdp"
    media = parse_sdp(answer.text).audio
    assert media is not None
    assert [codec.encoding_name for codec in media.codecs] == ["PCMU", "telephone-event"]
    phone.ack(answer)
    phone.send_raw(
        phone.in_dialog("INFO", [("Content-Type", "application/dtmf-relay")], b"Signal=1\r\nDuration=160\r\n")
    )
    assert phone.final().status_code == 200
    bye_from_server(phone)
    record = wait_until_ended(sip)
    assert kinds(record) == ["fetched", "answered", "spoke", "dtmf", "pressed", "fetched", "spoke", "hung_up"]
    assert record["events"][3] == {"type": "dtmf", "key": "1", "via": "info"}
    assert record["events"][-1] == {"type": "hung_up", "by": "script"}
    first = record["events"][0]["params"]
    assert first["caller_username"] == "alice"
    assert first["caller_id_number"] == "101"
    assert first["destination_number"] == "+31201234567"
    assert first["sip_from_uri"] == "alice@alpha.example"
    assert first["uuid"] == record["id"]
    assert record["client_id"] == "alpha"
    assert record["sip"]["call_id"] == phone.call_id


def test_keys_arrive_as_rfc4733_telephone_events(sip: RunningSip, scripts: ScriptServer) -> None:
    phone = caller(sip, scripts)
    answer = phone.invite()
    assert answer is not None
    phone.ack(answer)
    port = parse_sdp(answer.text).rtp_address
    assert port is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rtp:
        rtp.bind(("127.0.0.1", 0))
        for sequence, end in enumerate([0, 0, 0x80, 0x80, 0x80]):  # start packets, then the end packet three times
            header = struct.pack(">BBHII", 0x80, 101 | (0x80 if sequence == 0 else 0), sequence, 1234, 99)
            rtp.sendto(header + struct.pack(">BBH", 1, end | 10, 160 * (sequence + 1)), port)
    bye_from_server(phone)
    record = wait_until_ended(sip)
    assert [e for e in record["events"] if e["type"] == "dtmf"] == [{"type": "dtmf", "key": "1", "via": "rtp"}]
    assert [e["digits"] for e in record["events"] if e["type"] == "pressed"] == ["1"]


def test_a_script_that_hangs_up_before_answering_gets_a_final_480_with_its_reason(
    sip: RunningSip, scripts: ScriptServer
) -> None:
    answer = caller(sip, scripts, "refuse.xml").invite()
    assert answer is not None
    assert (answer.status_code, answer.reason_phrase) == (480, "Temporarily Unavailable")
    assert "Q.850" in (answer.headers.get_first("reason") or "")
    assert wait_until_ended(sip)["events"][-1] == {"type": "hung_up", "by": "script"}


def test_the_callers_bye_ends_the_call_at_once(sip: RunningSip, scripts: ScriptServer) -> None:
    phone = caller(sip, scripts, "hold.xml")
    answer = phone.invite()
    assert answer is not None
    phone.ack(answer)
    phone.send_raw(phone.in_dialog("BYE"))
    assert phone.final().status_code == 200
    record = wait_until_ended(sip)
    assert record["events"][-1] == {"type": "hung_up", "by": "caller", "reason": "the caller hung up (BYE)"}


def test_cancel_while_ringing_ends_the_invite_with_487(sip: RunningSip, scripts: ScriptServer) -> None:
    phone = caller(sip, scripts, "ring.xml")
    phone.invite(wait=False)
    trying = phone.receive()
    assert isinstance(trying, SipResponse)
    assert trying.status_code == 100
    # CANCEL names the INVITE's CSeq number; the 200 for it and the 487 for the INVITE may come in either order.
    phone.send_raw(phone.build("CANCEL", "sip:100@alpha.example", to=phone.to, cseq=phone.invite_cseq))
    answers = {phone.final().headers.get_first("cseq"): None for _ in range(2)}
    assert set(answers) == {f"{phone.invite_cseq} CANCEL", f"{phone.invite_cseq} INVITE"}
    record = wait_until_ended(sip)
    assert record["events"][-1]["by"] == "caller"


def test_without_an_external_script_the_call_is_refused_with_404(sip: RunningSip, scripts: ScriptServer) -> None:
    answer = caller(sip, scripts, None).invite()
    assert answer is not None
    assert answer.status_code == 404


def test_an_invite_with_a_wrong_password_is_forbidden(sip: RunningSip, scripts: ScriptServer) -> None:
    phone = caller(sip, scripts)
    phone.password = "wrong"
    answer = phone.invite()
    assert answer is not None
    assert answer.status_code == 403
    assert sip.run(lambda: len(sip.state.calls)) == 0


def test_an_unacknowledged_200_is_sent_again(sip: RunningSip, scripts: ScriptServer) -> None:
    phone = caller(sip, scripts, "hold.xml")
    first = phone.invite()
    assert first is not None
    again = phone.final()
    assert again.status_code == 200
    assert again.headers.get_first("cseq") == first.headers.get_first("cseq")
    phone.ack(again)


def test_a_retransmitted_invite_gets_the_same_answer_and_no_second_call(sip: RunningSip, scripts: ScriptServer) -> None:
    phone = caller(sip, scripts, "ring.xml")
    phone.invite(wait=False)
    first = phone.receive()
    uri = "sip:100@alpha.example"
    retransmission = phone.build("INVITE", uri, to=phone.to, cseq=phone.invite_cseq)
    phone.send_raw(retransmission)
    second = phone.receive()
    assert isinstance(first, SipResponse)
    assert isinstance(second, SipResponse)
    assert first.status_code == second.status_code == 100
    assert sip.run(lambda: len(sip.state.calls)) == 1


@pytest.mark.parametrize("sip_limits", [SipLimits(max_calls=1)])
def test_beyond_the_cap_on_calls_an_invite_gets_503(sip: RunningSip, scripts: ScriptServer) -> None:
    first = caller(sip, scripts, "ring.xml")
    first.invite(wait=False)
    second = Caller(sip.address, first.user, first.password, "alpha.example")
    sip.phones.append(second)
    answer = second.invite()
    assert answer is not None
    assert answer.status_code == 503
    assert answer.headers.get_first("retry-after") == "5"


def test_a_call_the_simulator_ends_for_the_caller_still_gets_a_bye(sip: RunningSip, scripts: ScriptServer) -> None:
    phone = caller(sip, scripts, "conference.xml")
    answer = phone.invite()
    assert answer is not None
    phone.ack(answer)
    bye_from_server(phone)
    assert wait_until_ended(sip)["events"][-1] == {"type": "hung_up", "by": "caller", "reason": "left the conference"}
