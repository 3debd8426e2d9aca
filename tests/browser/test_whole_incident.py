"""A whole incident played on the sandbox page as a newcomer would, in headless Chromium:
fire, triage, mitigate against the sandbox's fake ML-ops service, Sev1, the initial
notification drafted and marked sent, a status update, roles and a page by typed @mentions,
drift and stats with their charts, resolve, and the review shown inline. Screenshots go to
the test's tmp dir (and test-artifacts/browser/)."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.browser.conftest import ROOT
from tests.browser.test_sandbox_page import save_small

pytestmark = pytest.mark.browser

ANSWERS = [("alert", "Real problem"), ("predictions", "Yes"), ("ranges", "Yes"),
           ("inputs_changed", "Yes"), ("model_updated", "No"), ("upstream_healthy", "No"),
           ("impact", "Significant harm"), ("trend", "Stable")]


class Play:
    """The page and the checks every step shares."""

    def __init__(self, page, shots):
        from playwright.sync_api import expect

        self.page, self.shots, self.expect, self.n = page, shots, expect, 0
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}")
                if "/sandbox/ui/" in r.url and r.status >= 400 else None)

    def shot(self, name: str) -> None:
        self.n += 1
        self.page.screenshot(path=self.shots / f"{self.n:02d}-{name}.png")

    def type(self, text: str) -> None:
        self.page.fill("#composer-input", text)
        self.page.press("#composer-input", "Enter")
        self.expect(self.page.locator("#composer-input")).to_have_value("")

    def answer(self, checklist, answers) -> None:
        """Click each (item, label) in the triage checklist and see it taken."""
        for item, label in answers:
            row = checklist.locator(f"[data-block-id='triage-{item}']")
            row.get_by_role("button", name=label, exact=True).click()
            self.expect(row.locator("button.primary")).to_have_text(label)

    def message(self, text: str):
        return self.page.locator("article.msg").filter(has_text=text)

    @property
    def modal(self):
        return self.page.locator("form.modal")


@pytest.fixture
def shots(tmp_path):
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder


def test_a_whole_incident_on_the_page(page, sandbox, artifacts, shots):
    play = Play(page, shots)
    expect = play.expect
    page.goto(f"{sandbox.url}/")
    page.select_option("#user-picker", "U_ALICE")
    expect(page.locator("#channel-header h1")).not_to_contain_text("null")

    # Fire: the page follows Alice into the channel the bot opened for her.
    page.select_option("#scenario-picker", "feature-pipeline-nulls")
    page.click("#fire-button")
    header = page.locator("#channel-header")
    expect(header.locator("h1")).to_contain_text("#inc-")
    summary = page.locator("article.msg").filter(has=page.locator("[data-block-id^='response-']"))
    expect(summary).to_contain_text("Incident #1")

    # Triage by clicking.
    summary.get_by_role("button", name="Triage", exact=True).click()
    checklist = page.locator("article.msg").filter(
        has=page.locator("[data-block-id='triage-item-alert']"))
    play.answer(checklist, ANSWERS)
    play.shot("triaged")

    # Mitigate: the catalog's ml-ops.example action answers from the sandbox itself.
    play.type("/incident mitigate")
    menu = page.locator("article.msg.ephemeral").filter(has_text="Mitigations for")
    menu.locator("[data-block-id='mitigation-rules_fallback'] button").click()
    page.locator(".confirm").get_by_role("button", name="Go ahead").click()
    done = play.message("Fall back to the rule-based system")
    expect(done.filter(has_text="succeeded")).to_contain_text("HTTP 200")
    play.shot("mitigated")

    # Severity 1 from the summary's menu.
    summary.locator("select").first.select_option(label="Sev1")
    expect(header).to_contain_text("Sev1")

    # The initial notification: drafted through the form (its datetimepicker filled in),
    # then marked as sent.
    summary.get_by_role("button", name="Draft notification").click()
    expect(play.modal).to_contain_text("Draft notification")
    picker = play.modal.locator("input[type='datetime-local']")
    expect(picker).to_have_count(1)
    if not picker.input_value():
        picker.fill("2030-01-01T12:00")
    for box in play.modal.locator(".b-input:not(:has(.optional)) textarea").all():
        if not box.input_value():
            box.fill("Fraud scoring degraded; rules are handling it.")
    play.shot("notification-form")
    play.modal.locator("button[type='submit']").click()
    expect(play.modal).to_have_count(0)
    draft = page.locator("article.msg").filter(has=page.get_by_role("button", name="Mark as sent"))
    expect(draft).to_have_count(1)
    # The draft's text is a ``` block, preformatted as Slack shows it: no fences in sight.
    expect(draft.locator("pre.pre").first).to_contain_text("We have found a problem")
    expect(draft).not_to_contain_text("```")
    draft.get_by_role("button", name="Mark as sent").click()
    expect(play.message("sent").last).to_be_visible()

    # A status update, through `/incident update`'s form.
    play.type("/incident update")
    expect(play.modal).to_contain_text("Status update")
    picker = play.modal.locator("input[type='datetime-local']")
    picker.fill("2030-01-01T13:30")
    play.modal.locator("[data-block-id='current_status'] textarea").fill(
        "Null rate back under 1% after the pipeline fix.")
    for box in play.modal.locator(".b-input:not(:has(.optional)) textarea").all():
        if not box.input_value():
            box.fill("Watching the null rate.")
    play.modal.locator("button[type='submit']").click()
    expect(play.modal).to_have_count(0)
    expect(play.message("Null rate back under 1%")).not_to_have_count(0)

    # Roles and pages by typed mentions, picked from the autocomplete.
    page.fill("#composer-input", "/incident assign comms @bo")
    expect(page.locator("#mention-list li")).to_contain_text(["@bob"])
    play.shot("mention-autocomplete")
    page.press("#composer-input", "Tab")
    expect(page.locator("#composer-input")).to_have_value("/incident assign comms @bob ")
    page.press("#composer-input", "Enter")
    expect(play.message("is now the comms").last).to_contain_text("@bob")
    play.type("/incident page @carol")
    expect(play.message("Paged").filter(has_text="@carol")).not_to_have_count(0)

    # Drift, with its chart drawn as an image and the JSON report inline.
    play.type("/incident drift")
    chart = page.locator("figure.file-image img")
    expect(chart.first).to_be_visible(timeout=60_000)
    assert chart.first.evaluate("img => img.naturalWidth") > 100
    chart.first.scroll_into_view_if_needed()
    play.shot("drift-chart")

    # Stats, with its chart and the emoji drawn.
    play.type("/incident stats")
    expect(chart).to_have_count(2, timeout=60_000)
    assert chart.last.evaluate("img => img.naturalWidth") > 100
    stats = play.message("📊")
    expect(stats).not_to_have_count(0)
    expect(page.locator("#messages")).not_to_contain_text(":bar_chart:")
    chart.last.scroll_into_view_if_needed()
    play.shot("stats-chart")

    # Resolve through its form, then the review is shown inline with a download link.
    summary.get_by_role("button", name="Resolve").click()
    expect(play.modal).to_be_visible()
    for select in play.modal.locator(".b-input:not(:has(.optional)) select").all():
        if not select.input_value():
            select.select_option(index=1)
    for box in play.modal.locator(".b-input:not(:has(.optional)) :is(textarea, input)").all():
        if not box.input_value():
            box.fill("A schema change upstream sent nulls into the fraud features.")
    play.modal.locator("button[type='submit']").click()
    expect(play.modal).to_have_count(0)
    expect(header).to_contain_text("resolved")
    play.type("/incident review")
    review = page.locator("figure.file-text pre")
    expect(review.last).to_contain_text("Post-incident review: incident #1", timeout=60_000)
    link = page.locator("figure.file-text a.file-download").last
    assert "download=1" in (link.get_attribute("href") or "")
    review.last.scroll_into_view_if_needed()
    play.shot("review-inline")
    # What the review got wrong when a newcomer played this (issue 20): people by name,
    # who got the role and the page, the mitigation counted, the client's key events.
    text = review.last.inner_text()
    assert "@U_" not in text
    assert "| Comms: Bob Miller (@bob) |" in text and "| Paged Carol Iyer (@carol) (" in text
    assert "Time to mitigate: not yet recorded" not in text
    assert "Key events, as the client would read them:" in text

    # At a phone's width the page still fits: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""[...document.querySelectorAll('body *')]
        .filter((n) => n.getBoundingClientRect().right > 391)
        .slice(0, 5).map((n) => n.tagName + '.' + n.className + '#' + n.id)""")
    assert width <= 390, (width, wide)
    play.shot("phone")
    expect(page.locator("#composer button[type='submit']")).to_be_in_viewport()

    for file in shots.iterdir():
        shutil.copy(file, artifacts / f"incident-{file.name}")
    if os.environ.get("INCIDENTBOT_UPDATE_SCREENSHOT") == "1":  # README's pictures
        save_small(shots / "05-drift-chart.png", ROOT / "docs" / "sandbox-drift.png")
    assert play.errors == []
