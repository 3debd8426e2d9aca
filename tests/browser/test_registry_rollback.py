"""The sandbox scenario "a bad model promotion is found and rolled back", played on the page
as a newcomer would: fire the bad-deployment alert, see the serving version and the bot's
triage answer ("v42 promoted 3 h before the first alert"), the proposal pointing at the
model, roll back to v41 in the form with the evidence preserved, then undo it."""

from __future__ import annotations

import shutil

import pytest

from tests.browser.test_whole_incident import Play, shots  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

ANSWERS = [("alert", "Real problem"), ("predictions", "Yes"), ("ranges", "No"),
           ("inputs_changed", "No"), ("impact", "Significant harm")]


def test_a_bad_model_promotion_is_found_and_rolled_back(page, sandbox, artifacts, shots):  # noqa: F811
    play = Play(page, shots)
    expect = play.expect
    page.goto(f"{sandbox.url}/")
    page.select_option("#user-picker", "U_ALICE")
    page.select_option("#scenario-picker", "bad-deployment")
    page.click("#fire-button")
    expect(page.locator("#channel-header h1")).to_contain_text("#inc-")

    # The summary names the serving version, read from the sandbox's registry.
    summary = page.locator("article.msg").filter(has=page.locator("[data-block-id^='response-']"))
    expect(summary).to_contain_text("Serving model")
    expect(summary).to_contain_text("v42")

    # Triage: the deployment check is already answered by the bot, from the registry.
    summary.get_by_role("button", name="Triage", exact=True).click()
    checklist = page.locator("article.msg").filter(
        has=page.locator("[data-block-id='triage-item-alert']"))
    deployment = checklist.locator("[data-block-id='triage-item-model_updated']")
    expect(deployment).to_contain_text("From the model registry: v42 promoted 3 h")
    expect(checklist.locator("[data-block-id='triage-model_updated'] button.primary")) \
        .to_have_text("Yes")
    play.answer(checklist, ANSWERS)
    outcome = checklist.locator("[data-block-id='triage-outcome']")
    expect(outcome).to_contain_text("Model issue: v42 promoted 3 h")
    play.shot("model-issue")

    # Roll back to v41 through the form, which says what will be preserved first.
    play.type("/incident mitigate")
    menu = page.locator("article.msg.ephemeral").filter(has_text="Mitigations for")
    menu.locator("[data-block-id='mitigation-rollback'] button").click()
    expect(play.modal).to_contain_text("points at v42")
    expect(play.modal).to_contain_text("EU AI Act Art. 73(6)")
    choice = play.modal.locator("select")
    expect(choice.locator("option:checked")).to_contain_text("v41")
    play.shot("rollback-form")
    play.modal.locator("button[type='submit']").click()
    expect(play.modal).to_have_count(0)

    result = play.message("v42 → v41").filter(has_text="succeeded")
    expect(result).to_have_count(1)
    expect(play.message("Evidence preserved").first).to_be_visible()
    expect(summary).to_contain_text("rolled back from v42")
    play.shot("rolled-back")

    # Undo it: the alias goes back to v42, recorded too.
    result.get_by_role("button", name="Undo rollback").click()
    page.locator(".confirm").get_by_role("button", name="Undo rollback").click()
    expect(play.message("Undo the rollback: fraud-detector champion v41 → v42: done")) \
        .to_have_count(1)
    expect(result.get_by_role("button", name="Undo rollback")).to_have_count(0)
    expect(summary).to_contain_text("rollback undone")
    play.shot("undone")

    review = sandbox.cli("export", "1")
    assert review.returncode == 0, review.stderr
    assert "## Model version" in review.stdout and "v42 → v41" in review.stdout
    assert "Evidence preserved before the model was changed" in review.stdout

    for file in shots.iterdir():
        shutil.copy(file, artifacts / f"rollback-{file.name}")
    assert play.errors == []
