"""The sandbox page in a real browser, against `incidentbot sandbox` as the README runs it:
fire a scenario, triage by clicking, fill in modals, pin a message, type a slash command,
and find the answers in the review export. Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import os
import re

import pytest

from incidents.triage.checklist import ITEMS_BY_KEY
from tests.browser.conftest import ROOT

pytestmark = pytest.mark.browser

# The facts of the bad-deployment scenario, as a responder would find them.
ANSWERS = [("alert", "Real problem"), ("predictions", "Yes"), ("ranges", "No"),
           ("inputs_changed", "No"), ("model_updated", "Yes"), ("upstream_healthy", "Yes"),
           ("impact", "Significant harm"), ("trend", "Stable")]
NOTE = "Rolled fraud-detector back to v4.2 in staging; flag rate back to 2%."
PINNED = "Canary stage was skipped for v4.3.0 <check the deploy pipeline> & fix it"
SCREENSHOT = ROOT / "docs" / "sandbox.png"


def save_small(source, target) -> None:
    """A palette PNG: a tenth of the size, and the page has few colours anyway."""
    from PIL import Image

    target.parent.mkdir(exist_ok=True)
    Image.open(source).convert("RGB").quantize(colors=64).save(target, optimize=True)


def test_fire_triage_fill_modals_and_export(page, sandbox, artifacts):
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if "/sandbox/ui/" in response.url and response.status >= 400 else None)
    page.goto(f"{sandbox.url}/")
    page.select_option("#user-picker", "U_ALICE")
    expect(page.locator("#user-tz")).to_contain_text("Europe/Berlin")
    expect(page.locator("#live")).to_have_text("● live")

    # Fire a scenario: the bot opens an incident and its channel appears without a reload.
    page.select_option("#scenario-picker", "bad-deployment")
    page.click("#fire-button")
    channel = page.locator("#channel-list button[data-channel-name^='inc-']")
    expect(channel).to_have_count(1)
    expect(channel).to_contain_text("fraud-flag-rate-40")
    channel.click()
    header = page.locator("#channel-header")
    expect(header).to_contain_text("Sev1 · triage · Commander: no commander yet")
    summary = page.locator("article.msg").filter(has=page.locator("[data-block-id^='response-']"))
    expect(summary).to_contain_text("Incident #1: Fraud flag rate 40%")
    expect(summary.locator(".pinned")).to_be_visible()
    alert = page.locator("article.msg").filter(has_text="Firing: Fraud flag rate 40%")
    expect(alert).to_contain_text("flag rate 2.0% → 40.0% (threshold 10.0%)")
    # <!date^…> is shown in Alice's time zone, not as its UTC fallback.
    assert "Europe/Berlin" in summary.locator("time.date").first.get_attribute("title")
    page.screenshot(path=artifacts / "1-incident-opened.png")

    # The triage checklist, answered by clicking its buttons.
    summary.get_by_role("button", name="Triage", exact=True).click()
    checklist = page.locator("article.msg").filter(
        has=page.locator("[data-block-id='triage-item-alert']"))
    expect(checklist).to_have_count(1)
    for item, label in ANSWERS:
        row = checklist.locator(f"[data-block-id='triage-{item}']")
        row.get_by_role("button", name=label, exact=True).click()
        expect(row.locator("button.primary")).to_have_text(label)
    outcome = checklist.locator("[data-block-id='triage-outcome']")
    expect(outcome).to_contain_text("Likely diagnosis: Model issue")
    expect(outcome).to_contain_text("Runbook: Emergency model rollback")
    outcome.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "2-triage-answered.png")
    if os.environ.get("INCIDENTBOT_UPDATE_SCREENSHOT") == "1":  # README's picture
        save_small(artifacts / "2-triage-answered.png", SCREENSHOT)

    # A modal with a select and a person picker, submitted back to the bot.
    summary.get_by_role("button", name="Assign role").click()
    modal = page.locator("form.modal")
    expect(modal).to_contain_text("Assign a role")
    modal.get_by_role("button", name="Assign").click()  # empty: the page asks first
    expect(modal.locator(".input-error").first).to_have_text(
        "Please complete this required field.")
    modal.locator("[data-block-id='role'] select").select_option("commander")
    modal.locator("[data-block-id='user'] select").select_option("U_BOB")
    page.screenshot(path=artifacts / "3-modal.png")
    modal.get_by_role("button", name="Assign").click()
    expect(modal).to_have_count(0)
    expect(header).to_contain_text("Commander: @bob")
    expect(page.locator("article.msg").filter(has_text="is now the commander")).to_contain_text(
        "@bob is now the commander")

    # A modal with a text area.
    summary.get_by_role("button", name="Add note").click()
    expect(modal).to_contain_text("Add a note")
    modal.locator("textarea").fill(NOTE)
    modal.get_by_role("button", name="Add note").click()
    expect(modal).to_have_count(0)
    expect(page.locator("article.msg").filter(has_text=NOTE)).to_have_count(1)

    # A message typed in the channel is shown as text (never as HTML), then pinned with 📌.
    page.fill("#composer-input", PINNED)
    page.press("#composer-input", "Enter")
    mine = page.locator("article.msg").filter(has_text="Canary stage was skipped")
    expect(mine).to_contain_text(PINNED)
    mine.hover()
    mine.get_by_role("button", name="Add 📌 reaction").click()
    expect(mine.locator(".reaction")).to_have_text("📌 1")

    # The slash-command box: the answer only Alice sees.
    page.fill("#composer-input", "/incident status")
    page.press("#composer-input", "Enter")
    expect(page.locator("article.msg.ephemeral").last).to_contain_text("Only visible to you")
    page.screenshot(path=artifacts / "4-after-modals.png")

    # The review export lists every answer, the note and the pinned message.
    expect(page.locator("article.msg").filter(has_text=NOTE)).to_have_count(1)
    result = sandbox.cli("export", "1")
    assert result.returncode == 0, result.stderr
    review = result.stdout
    for item, label in ANSWERS:
        assert f"{ITEMS_BY_KEY[item].question} → {label}" in review, (item, review)
    assert NOTE in review
    assert "Canary stage was skipped for v4.3.0" in review
    assert "| Commander: Bob Miller (@bob) |" in review  # the role, and who got it, by name
    (artifacts / "review-1.md").write_text(review)
    assert errors == []


def test_a_drill_from_the_page_plays_out_and_debriefs(page, sandbox, artifacts):
    from playwright.sync_api import expect

    page.goto(f"{sandbox.url}/")
    page.select_option("#user-picker", "U_CAROL")
    page.select_option("#scenario-picker", "feedback-loop")
    page.fill("#drill-speed", "3600")  # the scenario's 30 minutes in half a second
    page.click("#drill-button")
    channel = page.locator("#channel-list button.drill")
    expect(channel).to_have_count(1)
    expect(channel).to_have_attribute("data-channel-name",
                                      re.compile(r"^inc-\d{8}-1-drill-recommendations-"))
    channel.click()
    expect(page.locator("#channel-header")).to_contain_text("DRILL · Sev")
    last = page.locator("article.msg").filter(has_text="ML platform")
    expect(last).to_contain_text("each of the last six retrains lowered coverage")
    expect(last.locator("[data-block-id='drill-marker']")).to_contain_text(
        "DRILL · a practice incident")
    page.fill("#composer-input", "/incident drill end")
    page.press("#composer-input", "Enter")
    debrief = page.locator("article.msg").filter(has_text="Drill debrief · incident #1")
    expect(debrief).to_contain_text("Diagnosis path: expected Model issue")
    expect(debrief).to_contain_text("injects played: 4 of 4")
    page.screenshot(path=artifacts / "5-drill-debrief.png")
