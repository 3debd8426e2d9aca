"""The sandbox's reportability scenario in a real browser: fire an incident on the example's
fraud detector (EU AI Act provider, GDPR), assess it reportable from the summary's button,
see the clocks in the channel and in `/incident status`, snooze a report's reminder with a
reason, draft the report and mark it submitted. The catalog is the example's with the GDPR
clock at 40 seconds, so its reminder comes while the test runs."""

from __future__ import annotations

import os
import re

import pytest

from tests.browser.conftest import ROOT
from tests.browser.test_sandbox_page import save_small

pytestmark = pytest.mark.browser
SCREENSHOT = ROOT / "docs" / "sandbox-reportability.png"
ANSWERS = {"health": "No", "critical_infrastructure": "No", "fundamental_rights": "No",
           "property_or_environment": "Yes", "widespread": "No", "personal_data_breach": "Yes"}


@pytest.fixture
def sandbox_catalog(tmp_path):
    example = (ROOT / "examples" / "incidentbot.yml").read_text()
    text = example.replace(": data/", f": {ROOT / 'examples' / 'data'}/")
    text = re.sub(r"(\n  reminder_lead: .*\n)",
                  r"\1  regulatory: {clocks: {gdpr_art33: 40 seconds}}\n", text)
    assert "gdpr_art33" in text
    path = tmp_path / "incidentbot.yml"
    path.write_text(text)
    return path


def test_assess_reportable_clocks_status_draft_and_submit(page, page_errors, sandbox,
                                                          artifacts):
    from playwright.sync_api import expect

    page.goto(f"{sandbox.url}/")
    page.select_option("#user-picker", "U_ALICE")
    page.select_option("#scenario-picker", "concept-drift")
    page.click("#fire-button")
    channel = page.locator("#channel-list button[data-channel-name^='inc-']")
    expect(channel).to_have_count(1)
    channel.click()
    summary = page.locator("article.msg").filter(has=page.locator("[data-block-id^='response-']"))
    # The recall alert against Acme Bank's contract, in the client's terms.
    expect(page.locator("article.msg").filter(has_text="Firing: Fraud recall")).to_contain_text(
        "recall 0.68 is below the 0.75 the contract with Acme Bank guarantees")

    # The assessment: the EU AI Act's Art. 3(49) questions and GDPR's, answered by clicking.
    summary.get_by_role("button", name="Assess reportability").click()
    modal = page.locator("form.modal")
    expect(modal).to_contain_text("Reporting duties of this system: EU AI Act (provider), GDPR.")
    expect(modal).to_contain_text("EU AI Act Art. 3(49)(a)")
    for block, label in ANSWERS.items():
        modal.locator(f"[data-block-id='{block}']").get_by_text(label, exact=True).click()
    modal.locator("[data-block-id='assessment_note'] textarea").fill(
        "Account takeovers drained customers' accounts; their login data was exposed.")
    page.screenshot(path=artifacts / "regulatory-1-assessment.png")
    modal.get_by_role("button", name="Record assessment").click()
    expect(modal).to_have_count(0)

    # The clocks, in the channel.
    clocks = page.locator("article.msg").filter(has_text="assessed this incident as reportable")
    for said in ("GDPR personal-data breach notification", "GDPR Art. 33(1)",
                 "EU AI Act serious-incident report", "EU AI Act Art. 73(2)"):
        expect(clocks).to_contain_text(said)
    clocks.scroll_into_view_if_needed()
    shot = artifacts / "regulatory-2-clocks.png"
    page.screenshot(path=shot)
    if os.environ.get("INCIDENTBOT_UPDATE_SCREENSHOT") == "1":
        save_small(shot, SCREENSHOT)  # the README's picture

    # The GDPR clock's reminder comes half-way through its 40 seconds; snoozing asks why.
    reminder = page.locator("article.msg").filter(has_text="Reminder: GDPR personal-data breach")
    expect(reminder).to_have_count(1, timeout=45_000)
    reminder.get_by_role("button", name="Snooze reminders…").click()
    expect(modal).to_contain_text("Why can it wait?")
    modal.locator("[data-block-id='snooze_reason'] input").fill("DPO is on the phone with the "
                                                                 "authority")
    modal.get_by_role("button", name="Snooze reminders").click()
    expect(modal).to_have_count(0)
    expect(reminder).to_contain_text("Snoozed by @alice")
    expect(reminder).to_contain_text("DPO is on the phone with the authority")

    # /incident status: the state, the open deadlines and the reports owed.
    page.fill("#composer-input", "/incident status")
    page.press("#composer-input", "Enter")
    status = page.locator("article.msg.ephemeral").filter(has_text="Reportability")
    expect(status).to_contain_text("Assessed reportable by @alice")
    expect(status).to_contain_text("GDPR Art. 33(1)")

    # Draft the GDPR report from the clock's buttons, then mark it submitted.
    gdpr = clocks.locator("[data-block-id^='clock-']").filter(
        has_not=page.get_by_role("button", name="Mark initial report submitted"))
    gdpr.get_by_role("button", name="Draft report").click()
    draft = page.locator("article.msg").filter(has_text="Draft GDPR personal-data breach")
    expect(draft).to_contain_text("# GDPR personal-data breach notification: Fraud recall down")
    expect(draft).to_contain_text("assessed by Alice")
    expect(draft).to_contain_text("[to fill: categories and approximate number]")
    draft.get_by_role("button", name="Mark as submitted").click()
    page.locator(".confirm").get_by_role("button", name="Mark as submitted").click()
    expect(draft).to_contain_text("Marked submitted by @alice")
    page.screenshot(path=artifacts / "regulatory-3-submitted.png")

    result = sandbox.cli("export", "1")
    assert result.returncode == 0, result.stderr
    section = result.stdout.split("## Regulatory reporting", 1)[1]
    assert "Serious harm to property or the environment (EU AI Act Art. 3(49)(d))" in section
    assert re.search(r"\| GDPR personal-data breach notification \| GDPR Art\. 33\(1\) \|.*"
                     r"submitted", section)
    assert "reminder snoozed for 60 min: DPO is on the phone" in result.stdout
    assert page_errors == []
