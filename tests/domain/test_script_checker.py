"""The checker against the Script Reference: silent on the valid fixture scripts, exact on the broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mock_server.scripts.bindregex import compile_bind
from mock_server.scripts.checker import check
from mock_server.scripts.grammar import GRAMMAR, MAX_WHOLE_NUMBER, ROOT
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
        (
            doc(r"<speak>x<bind>~(1)\1</bind></speak>"),
            "bind: text: '~(1)\\\\1' is not a valid regex (RE2 cannot compile it: invalid escape",
        ),
        (
            doc("<speak>x<bind>~(?=1)1</bind></speak>"),
            "bind: text: '~(?=1)1' is not a valid regex (RE2 cannot compile it: invalid perl operator",
        ),
        (
            doc(r"<speak>x<bind>~\pL{1000}</bind></speak>"),
            "bind: text: '~\\\\pL{1000}' is not a valid regex (RE2 cannot compile it: pattern too large",
        ),
        (
            doc('<speak>x<bind action="http://[::1/x.xml">1</bind></speak>'),
            "bind: attribute 'action': 'http://[::1/x.xml' is not a valid URL",
        ),
        (
            doc('<dial action="http://a\uff03b/x"><number>1</number></dial>'),
            "dial: attribute 'action': 'http://a\uff03b/x' is not a valid URL",
        ),
        (doc('<playback file="http://[/a.wav"/>'), "playback: attribute 'file': 'http://[/a.wav' is not a valid URL"),
        (doc("<ringback>http://[/a.wav</ringback>"), "ringback: text: 'http://[/a.wav' is not a valid URL"),
        (doc("<echo>" + "9" * 50 + "</echo>"), "echo: text: '99999"),
        (doc("<wait>2147483648</wait>"), "wait: text: '2147483648' is larger than 2147483647"),
        (doc("<wait>" + "9" * 5000 + "</wait>"), "wait: text: '99999"),
        (
            doc('<dial timeout="99999999999"><number>1</number></dial>'),
            "dial: attribute 'timeout': '99999999999' is larger",
        ),
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
        "<wait>2147483647</wait><echo>0002147483647</echo><wait>" + "0" * 5000 + "1</wait>",
        "<speak>x<bind>~a{4294967296}</bind><bind>~((\\d*)*)*(\\d*)*(\\d*)*(\\d*)*x</bind></speak>",
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
    assert check(doc("<speak>\ud800</speak>")).findings[0].message.startswith("not well-formed XML")


@pytest.mark.parametrize(
    ("encoding", "reason"),
    [
        ("utf-7", "multi-byte encodings are not supported"),
        ("cp932", "multi-byte encodings are not supported"),
        ("bogus-x", "unknown encoding: bogus-x"),
        ("rot13", "'rot13' is not a text encoding"),
        ("hex", "'hex' is not a text encoding"),
        ("idna", "decoding with 'idna' codec failed"),
        ("undefined", "decoding with 'undefined' codec failed"),
        ("punycode", "'ascii' codec can't decode"),
        pytest.param("x" * 300, "unknown encoding: xxx", id="a-300-character-name"),
    ],
)
def test_an_unreadable_encoding_declaration_is_a_finding(encoding: str, reason: str) -> None:
    body = f'<?xml version="1.0" encoding="{encoding}"?>\n<document><work><hangup/>\u00e9</work></document>'
    result = check(body.encode("utf-8"))
    assert result.root is None
    [finding] = result.findings
    assert finding.message.startswith(f"cannot read the document's encoding: {reason}")
    assert len(finding.message) < 200


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


@pytest.mark.parametrize("digits", ["9" * 50, "9" * 5000])
def test_numbers_too_large_say_so(digits: str) -> None:
    [message] = messages(doc(f"<echo>{digits}</echo>"))
    assert message.endswith(f"is larger than {MAX_WHOLE_NUMBER}")


def test_a_bind_pattern_re2_cannot_encode_is_a_reason_not_an_exception() -> None:
    # XML cannot carry a lone surrogate, but check() also takes str from Python callers.
    assert (
        compile_bind("\ud800") == "'utf-8' codec can't encode character '\\ud800' in position 0: surrogates not allowed"
    )
    compiled = compile_bind("[0-9]{4}")
    assert not isinstance(compiled, str)
    assert compiled.accepts("1234")
    assert not compiled.accepts("12345")


def test_a_pattern_too_large_for_re2_is_a_finding_quickly() -> None:
    # RE2's memory bound stops compiling early: thousands of such binds check in about a second, not minutes.
    assert compile_bind(r"\pN{16}") == "pattern too large - compile failed"
    assert not isinstance(compile_bind(r"(\d{3}[*#]){1,5}"), str)
