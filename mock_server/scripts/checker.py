"""Check a script against the Script Reference: walk the tree, compare each element with ``GRAMMAR``.

Every rule lives in the table; this walker only knows how to read it. ``check`` is usable alone (the CLI's
``check-script``), by the test endpoint and by the call simulator.
"""

from __future__ import annotations

from dataclasses import dataclass

from mock_server.scripts.grammar import GRAMMAR, ROOT, Element, parents_of, shown
from mock_server.scripts.xmltree import Finding, Node, parse


@dataclass(frozen=True)
class CheckResult:
    """The parsed tree (``None`` when unreadable) and every finding, in document order."""

    root: Node | None
    findings: list[Finding]


def _check_value(node: Node, what: str, value: str, element: Element, attribute: str | None) -> list[Finding]:
    kind = element.attributes[attribute] if attribute is not None else element.text
    assert kind is not None
    problem = kind.problem(value)
    return [] if problem is None else [Finding(node.line, node.tag, f"{what}: {problem}")]


def _check_text(node: Node, element: Element) -> list[Finding]:
    source = element.text_or
    given_by_attribute = source is not None and source in node.attributes
    if element.text is None:
        return [Finding(node.line, node.tag, f"takes no text, found {shown(node.text)}")] if node.text else []
    if node.text and given_by_attribute:
        return [Finding(node.line, node.tag, f"give the {source} either as text or as the {source!r} attribute")]
    if node.text:
        return _check_value(node, "text", node.text, element, None)
    if element.needs_text and not given_by_attribute:
        hint = f" (or a {source!r} attribute)" if source else ""
        return [Finding(node.line, node.tag, f"needs {element.text.name} as its text{hint}")]
    return []


def _check_node(node: Node, element: Element) -> list[Finding]:
    findings: list[Finding] = []
    for name, value in node.attributes.items():
        if name not in element.attributes:
            known = ", ".join(sorted(element.attributes)) or "none"
            findings.append(Finding(node.line, node.tag, f"unknown attribute {shown(name)} (allowed: {known})"))
        else:
            findings += _check_value(node, f"attribute {name!r}", value, element, name)
    findings += _check_text(node, element)
    if element.needs_child is not None and not node.children:
        findings.append(Finding(node.line, node.tag, f"is empty: it needs {element.needs_child}"))
    if element.max_children is not None and len(node.children) > element.max_children:
        findings.append(Finding(node.line, node.tag, f"holds {len(node.children)} elements, at most one is allowed"))
    return findings


def _check_child(parent: Node, child: Node) -> Finding | None:
    if child.tag not in GRAMMAR:
        return Finding(child.line, child.tag, "unknown element (not in the Script Reference)")
    if child.tag not in GRAMMAR[parent.tag].children:
        homes = parents_of(child.tag)
        where = f"it belongs in {' or '.join(f'<{home}>' for home in homes)}" if homes else "it is the root"
        return Finding(child.line, child.tag, f"not allowed inside <{parent.tag}>: {where}")
    return None


def check_tree(root: Node) -> list[Finding]:
    """Findings of an already parsed script."""
    if root.tag != ROOT:
        return [Finding(root.line, root.tag, f"the root must be <{ROOT}> holding one <work>, not <{root.tag}>")]
    findings: list[Finding] = []
    pending: list[tuple[Node | None, Node]] = [(None, root)]
    while pending:  # depth first in document order, without recursion
        parent, node = pending.pop()
        misplaced = None if parent is None else _check_child(parent, node)
        if misplaced is not None:
            findings.append(misplaced)
            continue
        findings += _check_node(node, GRAMMAR[node.tag])
        pending += [(node, child) for child in reversed(node.children)]
    return findings


def check(document: str | bytes) -> CheckResult:
    """Parse ``document`` safely and check it against the Script Reference."""
    root, findings = parse(document)
    if root is None:
        return CheckResult(None, findings)
    return CheckResult(root, check_tree(root))
