"""Drill scenarios as data, the drill request, the debrief and the DRILL marking: pure."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.slack.drill_marking import MARKER_ID, mark
from incidents.alerts.schema import AlertIn
from incidents.catalog import load_catalog
from incidents.drills import play as drills
from incidents.drills import scenarios
from incidents.drills.debrief import AnswerAt, DeadlineAt, Debrief, MitigationAt, compute
from incidents.triage import proposal as triage
from incidents.types import DeadlineState

EXAMPLE = Path(__file__).parents[2] / "examples" / "incidentbot.yml"
START = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
FAILURE_MODES = {"Model degradation (data drift)", "Feature pipeline failure",
                 "Training-serving skew", "Bad deployment", "Adversarial inputs",
                 "Concept drift", "Feedback loop", "Catastrophic forgetting"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(EXAMPLE)


def test_one_scenario_per_failure_mode_of_the_seed(catalog):
    assert {s.failure_mode for s in scenarios.SCENARIOS} == FAILURE_MODES
    assert len(scenarios.BY_KEY) == len(scenarios.SCENARIOS) == 8
    for scenario in scenarios.SCENARIOS:
        assert scenario.system in catalog.systems, scenario.key
        assert scenario.opening.after == timedelta(0) and scenario.opening.kind == "alert"
        times = [inject.after for inject in scenario.injects]
        assert times == sorted(times) and len(times) >= 4, scenario.key


@pytest.mark.parametrize("scenario", scenarios.SCENARIOS, ids=lambda s: s.key)
def test_the_facts_lead_triage_to_the_expected_path(scenario, catalog):
    criticality = catalog.systems[scenario.system].criticality
    outcome = triage.assess(scenario.facts, signal=scenario.signal, criticality=criticality)
    assert outcome is not None and outcome.complete
    assert outcome.path == scenario.expected_path


@pytest.mark.parametrize("scenario", scenarios.SCENARIOS, ids=lambda s: s.key)
def test_every_alert_is_a_valid_generic_alert(scenario):
    for inject in scenario.injects:
        if inject.kind == "alert":
            alert = AlertIn.model_validate(scenarios.alert_body(inject, scenario.system))
            assert alert.metric is not None and alert.signal is not None
        else:
            assert inject.message().startswith(f"{inject.source}: ")
    assert scenario.alert()["system"] == scenario.system
    assert scenario.alert("recommender")["system"] == "recommender"


def test_metric_injects_read_in_business_terms():
    inject = scenarios.get("feature-pipeline-nulls").injects[1]
    assert inject.message() == "Fraud dashboard: flag rate 2.1% → 9.0% (threshold 10.0%)"


@pytest.mark.parametrize(("text", "speed", "system"), [
    ("data-drift", 1.0, None),
    ("Data-Drift speed=60", 60.0, None),
    ("data-drift 120x", 120.0, None),
    ("data-drift speed=0.5 system=fraud-detector", 0.5, "fraud-detector"),
])
def test_drill_requests(text, speed, system):
    request = drills.parse_request(text)
    assert (request.scenario.key, request.speed, request.system) == ("data-drift", speed, system)


@pytest.mark.parametrize(("text", "says"), [
    ("", "Name a scenario"),
    ("nope", "no scenario `nope`"),
    ("data-drift speed=0", "between 0.1 and 3600"),
    ("data-drift fast", "I don't understand `fast`"),
])
def test_bad_drill_requests_say_why(text, says):
    with pytest.raises(ValueError, match=says):
        drills.parse_request(text)


def test_a_scenario_runs_against_the_catalog_it_finds(catalog):
    scenario = scenarios.get("data-drift")
    assert drills.choose_system(scenario, catalog) == "recommender"
    only_fraud = catalog.model_copy(update={"systems": {"fraud-detector":
                                                        catalog.systems["fraud-detector"]}})
    assert drills.choose_system(scenario, only_fraud) == "fraud-detector"
    with pytest.raises(Exception, match="no AI system `nope`"):
        drills.choose_system(scenario, catalog, "nope")


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def test_debrief_times_triage_and_the_right_path():
    scenario = scenarios.get("bad-deployment")
    answers = [AnswerAt(at(30), "alert", "real"), AnswerAt(at(40), "predictions", "yes"),
               AnswerAt(at(50), "ranges", "no"), AnswerAt(at(60), "inputs_changed", "yes"),
               AnswerAt(at(70), "upstream_healthy", "yes"),
               AnswerAt(at(80), "impact", "significant_harm"),  # first proposal: data drift
               AnswerAt(at(120), "model_updated", "yes")]  # now the model: expected
    deadlines = [
        DeadlineAt("Met", at(600), DeadlineState.DONE, completed_at=at(300)),
        DeadlineAt("Late", at(100), DeadlineState.DONE, completed_at=at(200), escalated=True),
        DeadlineAt("Overdue", at(100), DeadlineState.MISSED, escalated=True),
        DeadlineAt("Passed", at(500), DeadlineState.PENDING),
        DeadlineAt("Later", at(9000), DeadlineState.PENDING),
        DeadlineAt("Dropped", at(100), DeadlineState.CANCELLED),
    ]
    debrief = compute(scenario, started_at=START, ended_at=at(900), speed=10, answers=answers,
                      signal=scenario.signal, criticality="critical", deadlines=deadlines,
                      injects_played=3, injects_total=4)
    assert debrief.time_to_triage == 80 and debrief.time_to_path == 120
    assert debrief.final_path == "model_issue"
    assert debrief.met == ("Met",) and debrief.missed == ("Late", "Overdue", "Passed")
    assert debrief.not_due == 2
    assert debrief.differences == ("“Has the input data changed?” Yes, the facts say No",)
    lines = debrief.lines()
    # Scenario time first: the drill's deadlines ran on that clock too.
    assert lines[0] == "Drill length: 2h 30m 00s of scenario time (15m 00s at 10×); " \
        "injects played: 3 of 4."
    assert lines[1] == "Time to triage (first proposal): 13m 20s of scenario time (1m 20s " \
        "at 10×)."
    assert lines[2] == "Diagnosis path: Model issue, as expected, reached after 20m 00s of " \
        "scenario time (2m 00s at 10×)."
    assert lines[3].startswith("Mitigation: none happened.")
    assert lines[4] == "Deadlines: 1 met (Met), 3 missed (Late, Overdue, Passed), " \
        "2 not due before the end."
    assert Debrief.from_dict(debrief.to_dict()) == debrief


def test_debrief_tells_the_first_mitigation_that_worked():
    scenario = scenarios.get("bad-deployment")
    debrief = compute(scenario, started_at=START, ended_at=at(600), speed=60, answers=[],
                      signal=scenario.signal, criticality="critical", deadlines=[],
                      injects_played=4, injects_total=4, mitigations=[
                          MitigationAt(at(20), "Roll back to the previous model version",
                                       ok=False),
                          MitigationAt(at(45), "Fall back to the rule-based system")])
    assert debrief.lines()[3] == "Mitigation: Fall back to the rule-based system, after " \
        "45m 00s of scenario time (45s at 60×)."
    # A debrief stored before mitigations were told still reads.
    stored = {k: v for k, v in debrief.to_dict().items()
              if k not in ("mitigation", "time_to_mitigate")}
    assert Debrief.from_dict(stored).mitigation is None


def test_debrief_of_a_drill_that_never_found_the_path():
    scenario = scenarios.get("concept-drift")
    debrief = compute(scenario, started_at=START, ended_at=at(60), speed=1, answers=[],
                      signal=scenario.signal, criticality="critical", deadlines=[],
                      injects_played=1, injects_total=4)
    assert debrief.time_to_triage is None and not debrief.path_right
    assert "the checklist never reached a proposal" in debrief.lines()[1]
    assert debrief.lines()[2] == "Diagnosis path: expected Business context change; the " \
        "triage never proposed it (its last proposal: none)."
    assert "diagnosis path not reached" in debrief.headline()


def test_marking_a_message_is_idempotent_and_keeps_the_title_first():
    body = {"channel": "C1", "text": "Incident #1: Sev2",
            "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "T"}},
                       {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]}
    mark(body)
    mark(body)
    assert body["text"] == "DRILL · Incident #1: Sev2"
    assert [b.get("block_id") for b in body["blocks"]] == [None, MARKER_ID, None]
    plain = {"channel": "C1", "text": "hello"}
    mark(plain)
    assert plain == {"channel": "C1", "text": "DRILL · hello"}
    full = {"text": "DRILL already", "blocks": [{"type": "divider"}] * 50}
    mark(full)
    assert len(full["blocks"]) == 50 and full["text"] == "DRILL already"


def test_a_drill_runs_its_policy_and_escalation_waits_at_its_speed():
    from incidents.catalog.models import Policy
    from incidents.deadlines.policy import clocks, lead_for
    from incidents.deadlines.speed import at_speed
    from incidents.models import Incident
    from incidents.oncall import paging
    from incidents.oncall.models import Escalation
    from incidents.types import DeadlineKind

    fast = at_speed(Policy(), 60)
    assert clocks(1, fast) == {DeadlineKind.EXECUTIVE_NOTIFICATION: timedelta(seconds=30),
                               DeadlineKind.STATUS_UPDATE: timedelta(minutes=2)}
    assert lead_for(DeadlineKind.EXECUTIVE_NOTIFICATION, fast) == timedelta(seconds=10)
    assert at_speed(Policy(), 1) == Policy()

    catalog = load_catalog(Path(__file__).parents[2] / "examples" / "incidentbot.yml")
    chain = Escalation(incident_id=1, policy="fraud-policy")
    real = Incident(title="t", system="fraud-detector", severity=1)
    drill = Incident(title="t", system="fraud-detector", severity=1, clock_speed=60)
    assert [lv.wait / 60 for lv in paging.levels(catalog, chain, real)] == \
        [lv.wait for lv in paging.levels(catalog, chain, drill)]
    message = scenarios.get("bad-deployment").injects[3]
    assert "rolled out to 100% at T-6 min" in message.message()
