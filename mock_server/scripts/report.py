"""What the test endpoint answers about one script: what came back, and what is wrong with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.scripts.checker import check
from mock_server.scripts.fetch import CallParameters, Fetch, FetchResult
from mock_server.scripts.xmltree import Finding

XML_TYPES = ("text/xml", "application/xml")


@dataclass(frozen=True)
class ScriptReport:
    status_code: int | None
    content_type: str
    xml: str
    findings: list[Finding]

    def to_api(self) -> dict[str, Any]:
        return {
            "status_code": self.status_code,
            "content_type": self.content_type,
            "xml": self.xml,
            "findings": [finding.to_api() for finding in self.findings],
        }


async def inspect_script(fetch: Fetch, url: str, parameters: CallParameters) -> ScriptReport:
    """Fetch ``url`` as APIdaze does at the start of a call and check what it answers (:func:`report_on`)."""
    return report_on(await fetch(url, parameters.for_url(url)))


def report_on(result: FetchResult) -> ScriptReport:
    """What a fetch brought back, and every problem with it.

    Fetch failures, HTTP errors and a wrong content type are findings without a line, so a developer sees every
    problem in one list and the endpoint never fails because the script did.
    """
    xml = result.text
    if result.error is not None:
        return ScriptReport(result.status_code, result.content_type, xml, [Finding(0, "", result.error)])
    if not result.ok:
        finding = Finding(0, "", f"the script answered HTTP {result.status_code}; APIdaze needs a 200 with XML")
        return ScriptReport(result.status_code, result.content_type, xml, [finding])
    findings: list[Finding] = []
    media_type = result.content_type.split(";", 1)[0].strip().lower()
    if media_type not in XML_TYPES:
        findings.append(Finding(0, "", f"Content-Type is {media_type or 'missing'!r}; APIdaze expects text/xml"))
    findings += check(result.body).findings
    return ScriptReport(result.status_code, result.content_type, xml, findings)
