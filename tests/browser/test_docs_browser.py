"""Swagger UI at /docs in a real browser: authorize with the demo client, then create and list SIP accounts.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, or ``$APIDAZE_CHROMIUM``); Playwright's own browser
download is never used. ``.ci/run`` installs Chromium and sets ``APIDAZE_REQUIRE_BROWSER=1``, so in CI this test
fails rather than skips when Chromium is missing. The screenshot
lands in ``reports/docs-browser.png``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from mock_server.app import create_app
from tests.live_server import serve

REPORTS = Path(__file__).resolve().parents[2] / "reports"
# Flags this closed network needs: without the background-networking ones Chromium keeps dialling Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


HIDE_IN_SCREENSHOT = """
.swagger-ui .info .description, .swagger-ui .models, .swagger-ui .opblock-description-wrapper,
.swagger-ui .responses-table:not(.live-responses-table), .swagger-ui .responses-inner > div > h4,
.swagger-ui .request-url, .swagger-ui .opblock-tag-section:not(:has(#operations-VoIP_SIP_API-listSipAccounts))
{ display: none !important; }
"""


def find_chromium() -> str | None:
    for candidate in (os.environ.get("APIDAZE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    chromium = find_chromium()
    if chromium is None and os.environ.get("APIDAZE_REQUIRE_BROWSER"):
        pytest.fail("APIDAZE_REQUIRE_BROWSER is set but no Chromium was found")
    if chromium is None:
        pytest.skip("no Chromium at /usr/bin/chromium or on PATH (apt-get install chromium; .ci/run does)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()


def execute(operation: Locator) -> Locator:
    """Press Execute and return the live response row."""
    operation.locator("button.execute").click()
    response = operation.locator(".live-responses-table tbody .response").first
    response.wait_for()
    return response


def test_authorize_then_create_and_list_sip_accounts(page: Page) -> None:
    with serve(create_app()) as base:
        page.goto(f"{base}/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("APIdaze")
        expect(page.locator(".servers select")).to_have_value(base)

        # Authorize: the OAuth2 client-credentials flow against the emulator's own token endpoint.
        page.locator(".scheme-container button.authorize").click()
        page.fill("#client_id_clientCredentials", "local-client")
        page.fill("#client_secret_clientCredentials", "local-secret")
        page.locator("button[aria-label='Apply given OAuth2 credentials']").click()
        expect(page.locator(".modal-ux h6", has_text="Authorized")).to_be_visible()
        page.locator(".modal-ux .btn-done").last.click()
        expect(page.locator(".modal-ux")).to_have_count(0)

        create = page.locator("#operations-VoIP_SIP_API-createSipAccount")
        create.locator(".opblock-summary").first.click()
        create.locator("button.try-out__btn").click()
        # Swagger UI fills every field from the schema examples; type our own, as a user would.
        for field in create.locator(".opblock-section-request-body input[type=text]").all():
            field.fill("")
        create.locator("input[placeholder=username]").fill("browser-bob")
        create.locator("input[placeholder=name]").fill("Bob from the browser")
        create.locator("input[placeholder=internal_caller_id_number]").fill("101")
        created = execute(create)
        expect(created.locator(".response-col_status")).to_contain_text("200")  # response style kpn
        expect(created.locator(".response-col_description")).to_contain_text('"username": "browser-bob"')

        listing = page.locator("#operations-VoIP_SIP_API-listSipAccounts")
        listing.locator(".opblock-summary").first.click()
        listing.locator("button.try-out__btn").click()
        listed = execute(listing)
        expect(listed.locator(".response-col_status")).to_contain_text("200")
        body = listed.locator(".response-col_description")
        expect(body).to_contain_text('"username": "browser-bob"')
        expect(body).to_contain_text('"username": "reception"')
        # The curl line Swagger UI shows proves the bearer token obtained via Authorize was sent.
        expect(listing.locator(".curl-command")).to_contain_text("Authorization: Bearer")

        # The screenshot shows what a user sees; leave out the long static parts so it stays readable.
        page.add_style_tag(content=HIDE_IN_SCREENSHOT)
        REPORTS.mkdir(exist_ok=True)
        page.screenshot(path=str(REPORTS / "docs-browser.png"), full_page=True)


def test_the_selector_shows_the_control_planes_contract(page: Page) -> None:
    with serve(create_app()) as base:
        page.goto(f"{base}/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("APIdaze")
        page.locator(".topbar select").select_option(label="apidaze-mock control plane (/__admin)")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("apidaze-mock control plane")
        expect(page.locator("#operations-Faults-adminAddFault")).to_be_visible()
        expect(page.locator(".servers select")).to_have_value(base)
        # Every reference resolved, those into the API's schemas included (the served copy is one document).
        expect(page.locator("section.swagger-ui")).to_contain_text("SeedClient")
        expect(page.locator("section.swagger-ui")).not_to_contain_text("Resolver error")
