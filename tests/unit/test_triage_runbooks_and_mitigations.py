"""Runbook templates and parsing; the wording and request shape of mitigations."""

from pathlib import Path

import pytest
from jinja2 import UndefinedError

from incidents.catalog.models import RUNBOOK_NAMES, System
from incidents.models import Incident
from incidents.templating import make_environment
from incidents.triage import runbooks
from incidents.triage.mitigation import (
    CallResult,
    Mitigation,
    client_words,
    describe,
    parse_threshold,
    request_body,
    result_text,
    threshold_effect,
)

INCIDENT = Incident(id=7, title="Fraud flag rate 40%", system="fraud-detector", severity=2,
                    status="triage")


def context(system: System | None, key: str = "fraud-detector") -> dict:
    return runbooks.template_context(incident=INCIDENT, system_key=key, system=system,
                                     client_name="Acme Bank")


@pytest.mark.parametrize("name", RUNBOOK_NAMES)
@pytest.mark.parametrize("automated", [True, False])
def test_shipped_runbooks_render_with_concrete_steps(name, automated):
    actions = {"rollback": {"url": "https://ops.example/rollback"},
               "rules_fallback": {"url": "https://ops.example/rules"}} if automated else {}
    system = System(name="Fraud detector", actions=actions, dashboard="https://dash.example")
    book = runbooks.render(name, env=make_environment(), system=system, context=context(system))
    assert book.title == runbooks.title(name)
    assert len(book.steps) >= 8
    assert [s.number for s in book.steps] == list(range(1, len(book.steps) + 1))
    assert any(isinstance(p, runbooks.Heading) for p in book.parts)
    assert all("{" not in s.text for s in book.steps)  # no template syntax left over


def test_templates_say_whether_a_mitigation_is_automated():
    env = make_environment()
    auto = System(actions={"rollback": {"url": "https://ops.example/rollback"}})
    manual = System()
    step = runbooks.render("emergency_model_rollback", env=env, system=auto,
                           context=context(auto)).step(4)
    assert "calls the configured rollback endpoint" in step.text
    step = runbooks.render("emergency_model_rollback", env=env, system=manual,
                           context=context(manual)).step(4)
    assert "Roll back with your deployment tool" in step.text


def test_runbooks_render_for_systems_missing_from_the_catalog():
    book = runbooks.render("data_pipeline_failure", env=make_environment(), system=None,
                           context=context(None, key="mystery-model"))
    assert "mystery-model" in book.parts[0].text


def test_a_system_overrides_and_adds_runbooks(tmp_path: Path):
    (tmp_path / "pipe.md").write_text(
        "# Fraud pipeline\nOwned by {{ system.name }}.\n## First\n- [ ] Page the data team\n"
        "1. Check the Kafka lag\n"
    )
    (tmp_path / "kafka.md").write_text("# Kafka\n- Restart the consumer\n")
    system = System(name="Fraud detector", runbooks={"data_pipeline_failure": tmp_path / "pipe.md",
                                                     "kafka_lag": tmp_path / "kafka.md"})
    assert runbooks.available(system) == [*RUNBOOK_NAMES, "kafka_lag"]
    env = make_environment()
    book = runbooks.render("data_pipeline_failure", env=env, system=system,
                           context=context(system))
    assert book.title == "Fraud pipeline"
    assert [s.text for s in book.steps] == ["Page the data team", "Check the Kafka lag"]
    assert book.parts[0] == runbooks.Note("Owned by Fraud detector.")
    assert runbooks.render("kafka_lag", env=env, system=system,
                           context=context(system)).steps[0].text == "Restart the consumer"
    with pytest.raises(runbooks.UnknownRunbook):
        runbooks.render("kafka_lag", env=env, system=System(), context=context(None))


def test_templates_dir_replaces_a_shipped_runbook(tmp_path: Path):
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "emergency_retraining.md").write_text("# Ours\n- Call Sam\n")
    book = runbooks.render("emergency_retraining", env=make_environment(tmp_path), system=None,
                           context=context(None))
    assert (book.title, [s.text for s in book.steps]) == ("Ours", ["Call Sam"])


def test_a_template_naming_something_unknown_fails_loudly(tmp_path: Path):
    (tmp_path / "bad.md").write_text("- {{ system.nonexistent }}\n")
    system = System(runbooks={"bad": tmp_path / "bad.md"})
    with pytest.raises(UndefinedError):
        runbooks.render("bad", env=make_environment(), system=system, context=context(system))


def test_a_runbook_is_found_by_its_name_or_the_start_of_words_of_its_title():
    names = [*RUNBOOK_NAMES, "fraud-pipeline"]
    assert runbooks.find(names, "data_pipeline_failure") == "data_pipeline_failure"
    assert runbooks.find(names, "emergency rollback") == "emergency_model_rollback"
    assert runbooks.find(names, "emerg retrain") == "emergency_retraining"
    assert runbooks.find(names, "fraud pipe") == "fraud-pipeline"
    assert runbooks.find(names, "frobnicate") is None
    assert runbooks.find(names, "  ") is None


def test_threshold_parsing_and_trade_off():
    assert parse_threshold("0.7") == 0.7 and parse_threshold(" 0,65 ") == 0.65
    assert parse_threshold("high") is None and parse_threshold("") is None
    assert parse_threshold("nan") is None and parse_threshold(None) is None
    assert threshold_effect(0.7, 0.5) == "raised: fewer false positives, more false negatives"
    assert threshold_effect(0.3, 0.5) == "lowered: fewer false negatives, more false positives"
    assert "false negatives" in threshold_effect(0.7, None)
    assert describe(Mitigation.THRESHOLD, {"threshold": 0.7, "previous": 0.5}) == (
        "Adjust the prediction threshold to 0.7 (from 0.5: raised: fewer false positives, "
        "more false negatives)"
    )


def test_request_body_and_result_wording():
    body = request_body(incident_id=3, system="fraud-detector", mitigation=Mitigation.ROLLBACK,
                        parameters={}, requested_by="U_ALICE")
    assert body == {"incident_id": 3, "system": "fraud-detector", "action": "rollback",
                    "parameters": {}, "requested_by": "U_ALICE"}
    ok = CallResult(ok=True, status=200, detail="HTTP 200", target="ops.example")
    failed = CallResult(ok=False, status=500, detail="HTTP 500: boom", target="ops.example")
    assert result_text(Mitigation.ROLLBACK, {}, ok, 1) == (
        "Roll back to the previous model version → succeeded via ops.example (HTTP 200)"
    )
    assert result_text(Mitigation.ROLLBACK, {}, failed, 2) == (
        "Roll back to the previous model version → FAILED via ops.example: HTTP 500: boom "
        "(attempt 2)"
    )
    assert result_text(Mitigation.MANUAL_REVIEW, {}, None, 1).endswith("done by hand (manual step)")
    assert {m.value for m in Mitigation} == {"rollback", "rules_fallback", "manual_review",
                                             "threshold"}


def test_each_mitigation_reads_for_the_client_while_in_place_and_looking_back():
    # One table serves the notification ("in place") and the key events (looking back).
    for mitigation in Mitigation:
        now, then = client_words(mitigation), client_words(mitigation, looking_back=True)
        assert now and then and now != then
    assert client_words("rollback") == "We have rolled the model back to its previous version."
    assert client_words("rollback", looking_back=True) == (
        "We rolled the model back to its previous version.")
    assert client_words("reboot") is None
