"""Safe parsing of a script into a small tree that remembers line numbers.

defusedxml's SAX parser refuses any DTD, entity declaration and external reference, so a script can neither expand
entities nor make the emulator read files or URLs. We build our own nodes because ElementTree keeps no line numbers,
and a finding without a line is hard to act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl, Locator

import defusedxml.sax
from defusedxml import DefusedXmlException, DTDForbidden

# A script is a few verbs deep; far deeper is an attack on the walker or a generator gone wrong.
MAX_DEPTH = 32


@dataclass
class Node:
    """One element: its name, attributes, the text directly inside it (whitespace collapsed) and its children."""

    tag: str
    line: int
    attributes: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    text: str = ""


@dataclass(frozen=True)
class Finding:
    """One problem in a script: where (line, element) and what."""

    line: int
    element: str
    message: str

    def to_api(self) -> dict[str, int | str]:
        return {"line": self.line, "element": self.element, "message": self.message}


class _TooDeep(Exception):
    pass


class _TreeBuilder(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.root: Node | None = None
        self._stack: list[Node] = []
        self._text: list[list[str]] = []
        self._locator: Locator | None = None

    @property
    def line(self) -> int:
        return (self._locator.getLineNumber() or 0) if self._locator is not None else 0

    def setDocumentLocator(self, locator: Locator) -> None:
        self._locator = locator

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        if len(self._stack) >= MAX_DEPTH:
            raise _TooDeep
        node = Node(name, self.line, dict(attrs.items()))
        if self._stack:
            self._stack[-1].children.append(node)
        else:
            self.root = node
        self._stack.append(node)
        self._text.append([])

    def endElement(self, name: str) -> None:
        node = self._stack.pop()
        # Whitespace is layout in a script (indented speak text), so runs of it count as one space.
        node.text = " ".join("".join(self._text.pop()).split())

    def characters(self, content: str) -> None:
        if self._text:
            self._text[-1].append(content)


def _refusal(error: DefusedXmlException) -> str:
    # With forbid_dtd, a DOCTYPE is refused before any entity or external reference in it can be declared.
    if isinstance(error, DTDForbidden):
        return "a DOCTYPE is not allowed in a script (no DTDs, entities or external references)"
    return f"refused: {error}"  # pragma: no cover - defusedxml's other refusals need a DOCTYPE first


def _cut(message: str, limit: int = 120) -> str:
    return message if len(message) <= limit else message[:limit] + "…"


def parse(document: str | bytes) -> tuple[Node | None, list[Finding]]:
    """The tree of ``document``, or ``None`` and the finding that says why it could not be read."""
    # surrogatepass: a lone surrogate from a Python caller becomes bytes expat reports as not well-formed.
    raw = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document
    builder = _TreeBuilder()
    try:
        defusedxml.sax.parseString(raw, builder, forbid_dtd=True)
    except SAXParseException as error:
        return None, [Finding(error.getLineNumber() or 0, "", f"not well-formed XML: {error.getMessage()}")]
    except DefusedXmlException as error:
        return None, [Finding(builder.line, "", _refusal(error))]
    except _TooDeep:
        return None, [Finding(builder.line, "", f"elements are nested more than {MAX_DEPTH} deep")]
    except (LookupError, ValueError) as error:
        # The declared encoding is looked up among Python's codecs: an unknown name (LookupError), one expat cannot
        # use (utf-7, cp932: ValueError) or a codec that fails on decoding (idna: UnicodeError, a ValueError).
        return None, [Finding(builder.line, "", f"cannot read the document's encoding: {_cut(str(error))}")]
    if builder.root is None:  # pragma: no cover - expat reports an empty document as a parse error
        return None, [Finding(0, "", "the document is empty")]
    return builder.root, []
