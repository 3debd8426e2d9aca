"""Every form (modal) the bot can open, opened and submitted on the sandbox page in headless
Chromium: each must be drawn with controls a person can fill in (a datetimepicker, a decimal
number…) and its submission must reach the bot as Slack sends it."""

from __future__ import annotations

import pytest

from bot.slack.ids import ViewId

pytestmark = pytest.mark.browser

# ViewId.SEVERITY names a form no listener opens (severity is a menu and a command). A
# report reminder's snooze form needs a reminder, which the example's clocks bring only
# days later: test_regulatory_sandbox.py opens and submits it with a clock of seconds.
OPENABLE = {v.value for v in ViewId} - {ViewId.SEVERITY.value, ViewId.REPORT_SNOOZE.value}


def fill_and_submit(page, expect, seen: set[str], *, values: dict[str, str] | None = None,
                    closes: bool = True):
    """Fill every empty required input (given `values` first, by block id), then submit;
    the form closes, or (`closes=False`) the bot replaces it with another one."""
    modal = page.locator("form.modal")
    expect(modal).to_be_visible()
    seen.add(modal.get_attribute("data-callback-id"))
    for block_id, value in (values or {}).items():
        modal.locator(f"[data-block-id='{block_id}'] :is(input, textarea)").fill(value)
    for block in modal.locator(".b-input:not(:has(.optional))").all():
        control = block.locator("select, textarea, input").first
        tag = control.evaluate("n => n.tagName.toLowerCase() + ':' + (n.type || '')")
        if tag.startswith("select"):
            if not control.input_value():
                control.select_option(index=1)
        elif tag in ("input:radio", "input:checkbox"):
            if not block.locator("input:checked").count():
                control.check()
        elif tag == "input:datetime-local":
            if not control.input_value():
                control.fill("2030-06-01T09:30")
        elif tag == "input:number":
            if not control.input_value():
                control.fill("0.7")
        elif not control.input_value():
            control.fill("Filled in by the browser test.")
    before = modal.get_attribute("data-callback-id")
    modal.locator("button[type='submit']").click()
    if closes:
        expect(modal).to_have_count(0)
    else:
        expect(modal).not_to_have_attribute("data-callback-id", before)


def test_every_form_opens_and_submits(page, sandbox, artifacts):
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if "/sandbox/ui/" in r.url and r.status >= 400 else None)
    seen: set[str] = set()
    page.goto(f"{sandbox.url}/")
    page.select_option("#user-picker", "U_BOB")
    page.locator("#channel-list button[data-channel-name='general']").click()
    header = page.locator("#channel-header")
    expect(header.locator("h1")).to_have_text("#general")
    expect(header).not_to_contain_text("null")

    def send(text: str) -> None:
        page.fill("#composer-input", text)
        page.press("#composer-input", "Enter")
        expect(page.locator("#composer-input")).to_have_value("")

    # Declare: the form, then the page follows Bob into the new incident's channel.
    send("/incident declare Checkout model errors")
    fill_and_submit(page, expect, seen)
    expect(header.locator("h1")).to_contain_text("#inc-")
    summary = page.locator("article.msg").filter(has=page.locator("[data-block-id^='response-']"))
    expect(summary).to_contain_text("Checkout model errors")

    summary.get_by_role("button", name="Assign role").click()
    fill_and_submit(page, expect, seen)
    summary.get_by_role("button", name="Add note").click()
    fill_and_submit(page, expect, seen, values={"note": "A note typed in the form."})
    noted = page.locator("article.msg").filter(has_text="A note typed in the form.")
    expect(noted).not_to_have_count(0)

    # Reportability (the first system, the fraud detector, has obligations): radio buttons.
    summary.get_by_role("button", name="Assess reportability").click()
    expect(page.locator("form.modal input[type='radio']").first).to_be_visible()
    fill_and_submit(page, expect, seen)
    assessed = page.locator("article.msg").filter(has_text="assessed this incident as")
    expect(assessed).not_to_have_count(0)

    # Notifications and updates carry a datetimepicker (Slack sends epoch seconds).
    summary.get_by_role("button", name="Draft notification").click()
    expect(page.locator("form.modal input[type='datetime-local']")).to_have_count(1)
    fill_and_submit(page, expect, seen)
    expect(page.get_by_role("button", name="Mark as sent").first).to_be_visible()
    send("/incident update")
    fill_and_submit(page, expect, seen,
                    values={"current_status": "Errors down to 0.1% after the restart."})
    expect(page.locator("article.msg").filter(has_text="Errors down to 0.1%")).not_to_have_count(0)

    # The threshold form takes a decimal (is_decimal_allowed).
    send("/incident mitigate")
    page.locator("[data-block-id='mitigation-threshold'] button").last.click()
    number = page.locator("form.modal input[type='number']").first
    expect(number).to_have_attribute("step", "any")
    seen.add(page.locator("form.modal").get_attribute("data-callback-id"))
    for field in page.locator("form.modal input[type='number']").all():
        field.fill("0.7")
    page.locator("form.modal input[type='number']").last.fill("0.55")
    page.locator("form.modal button[type='submit']").click()
    expect(page.locator("form.modal")).to_have_count(0)
    expect(page.locator("article.msg").filter(has_text="0.7").last).to_be_visible()

    # The registry rollback form: opened at once, filled from the sandbox's registry, an
    # earlier version preselected in its menu.
    send("/incident mitigate")
    page.locator("[data-block-id='mitigation-rollback'] button").last.click()
    expect(page.locator("form.modal")).to_contain_text("Roll back to version")
    fill_and_submit(page, expect, seen)
    expect(page.locator("article.msg").filter(has_text="v42 → v41").last).to_be_visible()

    # Resolve, then the resolution notification's form.
    summary.get_by_role("button", name="Resolve").click()
    fill_and_submit(page, expect, seen)
    expect(header).to_contain_text("resolved")
    page.get_by_role("button", name="Draft resolution notification").last.click()
    fill_and_submit(page, expect, seen)

    # The message shortcut outside an incident channel, with two incidents open: the bot
    # asks which incident.
    page.select_option("#scenario-picker", "bad-deployment")
    page.click("#fire-button")
    expect(page.locator("#channel-list button[data-channel-name^='inc-']")).to_have_count(2)
    # Declaring for a system with an open incident: the bot replaces the form with an offer
    # to join that one; Bob opens a separate incident on purpose.
    send("/incident declare Second open incident")
    page.locator("form.modal [data-block-id='system'] select").select_option("fraud-detector")
    fill_and_submit(page, expect, seen, closes=False)
    expect(page.locator("form.modal")).to_contain_text("already has an open incident")
    page.locator("form.modal input[type='checkbox']").check()
    fill_and_submit(page, expect, seen)
    expect(header.locator("h1")).to_contain_text("second-open-incident")  # it exists
    page.locator("#channel-list button[data-channel-name='general']").click()
    send("Checkout errors started right after the 14:02 deploy")
    mine = page.locator("article.msg").filter(has_text="Checkout errors started")
    mine.hover()
    mine.locator("button.shortcut").click()
    fill_and_submit(page, expect, seen)
    # A form has no response_url: the bot answers in Bob's direct messages.
    page.locator("#channel-list button").filter(has_text="incidentbot").click()
    expect(page.locator("article.msg").last).to_contain_text("Added to the timeline of incident #")
    page.screenshot(path=artifacts / "every-form-done.png")

    assert seen == OPENABLE, (sorted(OPENABLE - seen), sorted(seen - OPENABLE))
    assert errors == []
