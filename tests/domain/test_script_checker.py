"""The checker against the Script Reference: silent on the valid fixture scripts, exact on the broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mock_server.scripts.checker import check
from mock_server.scripts.grammar import GRAMMAR, ROOT
from mock_server.scripts.xmltree import MAX_DEPTH

SCRIPTS = Path(__file__).resolve().parents[2] / "fixtures" / "scripts"
VALID = sorted(path for path in SCRIPTS.rglob("*.xml") if "broken" not in path.parts)
EXPECTED = yaml.safe_load((SCRIPTS / "broken" / "expected.yaml").read_text(encoding="utf-8"))


def doc(work: str) -> str:
    return f"<document><work>{work}</work></document>"


def messages(document: str) -> list[str]:
    return [f"{finding.element}: {finding.message}" for finding in check(document).findings]


@pytest.mark.parametrize("path", VALID, ids=lambda path: str(path.relative_to(SCRIPTS)))
def test_valid_fixture_scripts_have_no_findings(path: Path) -> None:
    assert check(path.read_bytes()).findings == []


def test_every_broken_fixture_has_expected_findings() -> None:
    assert sorted(EXPECTED) == sorted(path.name for path in (SCRIPTS / "broken").glob("*.xml"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_fixture_scripts_produce_exactly_the_expected_findings(name: str) -> None:
    findings = check((SCRIPTS / "broken" / name).read_bytes()).findings
    got = [(finding.line, finding.element) for finding in findings]
    assert got == [(entry["line"], entry["element"]) for entry in EXPECTED[name]]
    for finding, entry in zip(findings, EXPECTED[name], strict=True):
        assert entry["message"] in finding.message


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("<work><hangup/></work>", "work: the root must be <document>"),
        ("<speak>hi</speak>", "speak: the root must be <document>"),
        ("<document/>", "document: is empty: it needs a <work>"),
        ("<document><work><hangup/></work><work><hangup/></work></document>", "document: holds 2 elements"),
        (doc(""), "work: is empty"),
        (doc("<play>x.wav</play>"), "play: unknown element"),
        (doc('<answer when="now"/>'), "answer: unknown attribute 'when'"),
        (doc("<answer>now</answer>"), "answer: takes no text"),
        (doc("<bind>1</bind>"), "bind: not allowed inside <work>: it belongs in <playback> or <speak>"),
        (doc("<sipuri>a@b.c</sipuri>"), "sipuri: not allowed inside <work>: it belongs in <dial>"),
        (doc("<dial><hangup/></dial>"), "hangup: not allowed inside <dial>: it belongs in <work>"),
        (doc("<speak><speak>x</speak>x</speak>"), "speak: not allowed inside <speak>"),
        (doc("<work><hangup/></work>"), "work: not allowed inside <work>: it belongs in <document>"),
        (doc("<document/>"), "document: not allowed inside <work>: it is the root"),
        (doc('<speak lang="de-DE">Hallo</speak>'), "speak: attribute 'lang': 'de-DE' is not one of"),
        (doc('<speak voice="robot">x</speak>'), "speak: attribute 'voice': 'robot' is not one of"),
        (doc("<speak/>"), "speak: needs text as its text"),
        (doc("<playback>a.mp3</playback>"), "playback: text: 'a.mp3' is not a .wav file"),
        (doc('<playback file="http://h/a.ogg"/>'), "playback: attribute 'file': 'http://h/a.ogg' is not a .wav"),
        (doc("<playback/>"), "playback: needs .wav file as its text (or a 'file' attribute)"),
        (doc('<playback file="a.wav">b.wav</playback>'), "playback: give the file either as text or"),
        (doc("<ringback>tone.mp3</ringback>"), "ringback: text: 'tone.mp3' is not a .wav file"),
        (doc("<speak>x<bind>12a</bind></speak>"), "bind: text: '12a' is neither DTMF digits nor a '~regex'"),
        (doc("<speak>x<bind>~(</bind></speak>"), "bind: text: '~(' is not a valid regex"),
        (doc("<speak>x<bind/></speak>"), "bind: needs a digit or a ~regex"),
        (doc('<speak input-timeout="5s">x</speak>'), "speak: attribute 'input-timeout': '5s' is not a whole"),
        (doc('<speak digit-timeout="-1">x</speak>'), "speak: attribute 'digit-timeout': '-1' is not a whole"),
        (doc('<playback input-timeout="1.5" file="a.wav"/>'), "playback: attribute 'input-timeout'"),
        (doc('<dial timeout="x"><number>1</number></dial>'), "dial: attribute 'timeout': 'x' is not a whole"),
        (doc('<dial max-call-duration="1h"><number>1</number></dial>'), "dial: attribute 'max-call-duration'"),
        (doc('<dial><number timeout="soon">1</number></dial>'), "number: attribute 'timeout'"),
        (doc("<wait>two</wait>"), "wait: text: 'two' is not a whole number"),
        (doc("<echo>fast</echo>"), "echo: text: 'fast' is not a whole number"),
        (doc('<speak>x<bind action="next.xml">1</bind></speak>'), "bind: attribute 'action': 'next.xml' is not an"),
        (doc('<speak>x<bind action="ftp://h/n.xml">1</bind></speak>'), "bind: attribute 'action': 'ftp://h/n"),
        (doc('<dial action="/x"><number>1</number></dial>'), "dial: attribute 'action': '/x' is not an absolute"),
        (doc('<dial answer-url="//h/x"><number>1</number></dial>'), "dial: attribute 'answer-url'"),
        (doc('<dial caller-hangup-url="x"><number>1</number></dial>'), "dial: attribute 'caller-hangup-url'"),
        (doc('<dial strategy="random"><number>1</number></dial>'), "dial: attribute 'strategy': 'random'"),
        (doc("<dial/>"), "dial: is empty: it needs a <number>, <sipaccount> or <sipuri>"),
        (doc("<dial><number/></dial>"), "number: needs text"),
        (doc('<record on-answered="yes"/>'), "record: attribute 'on-answered': 'yes' is not one of true, false"),
        (doc("<conference/>"), "conference: needs text"),
    ],
)
def test_each_rule_fires(document: str, expected: str) -> None:
    assert any(message.startswith(expected) for message in messages(document)), messages(document)


@pytest.mark.parametrize(
    "work",
    [
        "<answer/><hangup/>",
        '<speak lang="fr-FR" voice="male-c" input-timeout="0" digit-timeout="3000">Bonjour</speak>',
        *(f'<speak lang="{lang}">x</speak>' for lang in ("en-US", "fr-FR", "it-IT", "es-ES")),
        '<playback file="http://h/a/b.WAV?v=1" input-timeout="100"><bind>*</bind><bind>#</bind></playback>',
        '<speak>x<bind action="https://h.example/n?x=1">1234#</bind><bind>~[0-9]{4}</bind></speak>',
        "<ringback/><ringback>http://h/r.wav</ringback><echo>500</echo><echo/><wait>3</wait>",
        '<record/><record name="x" on-answered="true" aleg="false" bleg="true"/>',
        "<intercept>f28a3e29-dac4-462c-bf94-b1d518ddbe2d</intercept><conference>room 1</conference>",
        (
            '<dial timeout="60" max-call-duration="300" strategy="sequence" action="http://action.url.com" '
            'answer-url="http://answer-url.com" caller-hangup-url="http://caller-hangup-url.com">'
            '<number timeout="10">1234567890</number><sipaccount>target</sipaccount>'
            "<sipuri>phone_number@anysipdomain.com</sipuri></dial><hangup/>"
        ),
    ],
)
def test_valid_verbs_are_silent(work: str) -> None:
    assert messages('<?xml version="1.0" encoding="utf-8"?>\n' + doc(work)) == []


def test_findings_name_the_line() -> None:
    findings = check("<document>\n<work>\n<answer/>\n\n<wait>x</wait>\n</work>\n</document>").findings
    assert [(finding.line, finding.element) for finding in findings] == [(5, "wait")]


def test_a_doctype_is_refused_before_any_entity_is_expanded() -> None:
    bomb = '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><document>&b;</document>'
    result = check(bomb)
    assert result.root is None
    assert [finding.message for finding in result.findings] == [
        "a DOCTYPE is not allowed in a script (no DTDs, entities or external references)"
    ]


def test_not_well_formed_and_undefined_entities_are_findings() -> None:
    assert check("<document><work>").findings[0].message.startswith("not well-formed XML")
    assert check(doc("<speak>&nope;</speak>")).findings[0].message.startswith("not well-formed XML: undefined")
    assert check(b"").findings[0].message.startswith("not well-formed XML")


def test_deep_nesting_is_refused_without_recursion() -> None:
    deep = "<document>" + "<work>" * (MAX_DEPTH + 5) + "</work>" * (MAX_DEPTH + 5) + "</document>"
    assert check(deep).findings[0].message == f"elements are nested more than {MAX_DEPTH} deep"


def test_the_grammar_table_is_closed() -> None:
    # Every child the table allows is itself described, and only the root has no parent.
    for name, element in GRAMMAR.items():
        assert element.children <= set(GRAMMAR), name
        assert set(element.attributes).isdisjoint({""}), name
    orphans = {name for name in GRAMMAR if not any(name in element.children for element in GRAMMAR.values())}
    assert orphans == {ROOT}
