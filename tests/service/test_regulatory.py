"""Reportability assessments and regulatory clocks through the use cases, on the database:
clocks start, move and stop with the assessment, reports are submitted and drafted, and
they appear in the review and the compliance table."""

import io
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.cli.report import run_report
from incidents import timeline
from incidents.deadlines import clocks as deadlines
from incidents.lifecycle import changes as lifecycle
from incidents.models import Deadline, Outbox, TimelineEvent
from incidents.outbox import Kind
from incidents.regulatory import assessment as regulatory
from incidents.regulatory import reports as regulatory_reports
from incidents.regulatory.models import RegulatoryClock
from incidents.review import draft as review
from incidents.types import DeadlineKind, DeadlineState, EventKind, Severity, Status
from tests.service.conftest import NOW

K = DeadlineKind
NO = {"health": "no", "critical_infrastructure": "no", "fundamental_rights": "no",
      "property_or_environment": "no", "widespread": "no", "personal_data_breach": "no"}


def declare(session, catalog, system="fraud-detector", now=NOW):
    return lifecycle.declare(session, title="Cards of one bank wrongly blocked", system=system,
                           severity=Severity.SEV2, now=now, catalog=catalog,
                           declared_by="U_ALICE")


def assess(session, catalog, incident, now=NOW, **answers):
    return regulatory.assess(session, incident=incident, catalog=catalog,
                             answers={**NO, **answers}, actor="U_BOB", now=now)


def running(session, incident):
    return {d.kind: d for d in deadlines.open_deadlines(session, incident_id=incident.id)
            if d.kind in regulatory.TITLES}


def events(session, incident, *kinds):
    return [e for e in session.exec(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id).order_by(TimelineEvent.id)) if e.kind in kinds]


def test_assessing_reportable_starts_the_clocks_from_that_moment(session, catalog):
    incident = declare(session, catalog)
    aware = NOW + timedelta(minutes=40)
    row = assess(session, catalog, incident, now=aware, fundamental_rights="yes",
                 personal_data_breach="yes")

    assert row.reportable and row.assessed_by == "U_BOB" and row.assessed_at == aware
    clocks = running(session, incident)
    assert set(clocks) == {K.AI_ACT_SERIOUS_INCIDENT, K.GDPR_BREACH_NOTIFICATION}
    assert clocks[K.GDPR_BREACH_NOTIFICATION].due_at == aware + timedelta(hours=72)
    assert clocks[K.AI_ACT_SERIOUS_INCIDENT].due_at == aware + timedelta(days=15)
    # A report's reminder comes a day before, not the policy's 10 minutes.
    assert clocks[K.AI_ACT_SERIOUS_INCIDENT].next_reminder_at == aware + timedelta(days=14)
    rows = {c.report: c for c in session.exec(select(RegulatoryClock))}
    assert rows[K.AI_ACT_SERIOUS_INCIDENT].article == "EU AI Act Art. 73(2)"
    assert rows[K.GDPR_BREACH_NOTIFICATION].starts_at == aware
    assessed, *started = events(session, incident, EventKind.REPORTABILITY_ASSESSED,
                                EventKind.REGULATORY_CLOCK_STARTED)
    assert assessed.text == ("Assessed reportable: Infringement of fundamental-rights "
                             "obligations (EU AI Act Art. 3(49)(c)); Personal data breach "
                             "(GDPR Art. 4(12), 33(1))")
    assert [e.kind for e in started] == [EventKind.REGULATORY_CLOCK_STARTED] * 2
    queued = session.exec(select(Outbox).where(Outbox.kind == Kind.REGULATORY_CLOCKS)).one()
    assert queued.payload["assessment"] == row.id and len(queued.payload["changes"]) == 2


def test_not_reportable_is_recorded_and_starts_nothing(session, catalog):
    incident = declare(session, catalog)
    row = assess(session, catalog, incident)

    assert not row.reportable and running(session, incident) == {}
    [event] = events(session, incident, EventKind.REPORTABILITY_ASSESSED)
    assert event.text == "Assessed not reportable" and event.actor == "U_BOB"


def test_a_changed_assessment_moves_then_stops_the_clocks(session, catalog):
    incident = declare(session, catalog)
    assess(session, catalog, incident, fundamental_rights="yes")
    later = NOW + timedelta(hours=5)
    assess(session, catalog, incident, now=later, fundamental_rights="yes", widespread="yes")

    [report] = running(session, incident).values()
    assert report.due_at == later + timedelta(days=2)  # Art. 73(3), from when it was found
    old = session.exec(select(Deadline).where(Deadline.state == DeadlineState.CANCELLED)).one()
    assert old.due_at == NOW + timedelta(days=15)
    assess(session, catalog, incident, now=later + timedelta(hours=1))
    assert running(session, incident) == {}
    ends = [c.ended for c in session.exec(select(RegulatoryClock).order_by(RegulatoryClock.id))]
    assert ends == ["moved", "stopped"]
    changed = events(session, incident, EventKind.REGULATORY_CLOCK_MOVED,
                     EventKind.REGULATORY_CLOCK_STOPPED)
    assert [e.text.split(":")[0] for e in changed] == ["Clock moved", "Clock stopped"]
    assert "EU AI Act Art. 73(3)" in changed[0].text


def test_the_clocks_outlive_resolving_and_severity_changes(session, catalog):
    incident = declare(session, catalog)
    assess(session, catalog, incident, personal_data_breach="yes")
    lifecycle.change_severity(session, incident=incident, severity=Severity.SEV4, actor="U_BOB",
                            now=NOW + timedelta(minutes=1), policy=catalog.policy)
    lifecycle.resolve(session, incident=incident, summary="Rolled back", actor="U_BOB",
                    now=NOW + timedelta(minutes=2), policy=catalog.policy)
    deadlines.fire_due(session, now=NOW + timedelta(minutes=3), policy=catalog.policy)

    assert set(running(session, incident)) == {K.GDPR_BREACH_NOTIFICATION}


@pytest.mark.parametrize(("answers", "said"), [
    ({"personal_data_breach": "yes"}, "Answer every question"),  # the others missing
    ({**NO, "significant_incident": "yes"}, "Answer every question"),  # no NIS2 duty
    ({**NO, "health": "maybe"}, "Answer every question"),
])
def test_incomplete_or_foreign_answers_are_refused(session, catalog, answers, said):
    incident = declare(session, catalog)
    with pytest.raises(timeline.Refused, match=said):
        regulatory.assess(session, incident=incident, catalog=catalog, answers=answers,
                          actor="U_BOB", now=NOW)


def test_a_system_without_obligations_has_nothing_to_assess(session, catalog):
    incident = declare(session, catalog, system="recommender")
    with pytest.raises(timeline.Refused, match="no reporting obligations for this incident"):
        assess(session, catalog, incident, personal_data_breach="yes")
    assert regulatory_reports.review_section(
        session, incident=incident, catalog=catalog, clock=review.Clock(None), who=str,
        now=NOW) is None


def test_an_initial_report_starts_the_complete_one(session, catalog):
    incident = declare(session, catalog)
    assess(session, catalog, incident, health="harm", personal_data_breach="yes")
    clocks = running(session, incident)
    sent = NOW + timedelta(days=3)
    regulatory.submit(session, incident=incident, catalog=catalog, initial=True, actor="U_BOB",
                      deadline_id=clocks[K.AI_ACT_SERIOUS_INCIDENT].id, now=sent)

    now_running = running(session, incident)
    assert now_running[K.AI_ACT_COMPLETE_REPORT].due_at == sent + timedelta(days=15)
    done = session.get(Deadline, clocks[K.AI_ACT_SERIOUS_INCIDENT].id)
    assert (done.state, done.completed_at) == (DeadlineState.DONE, sent)
    [submitted] = events(session, incident, EventKind.REGULATORY_REPORT_SUBMITTED)
    assert submitted.text == ("EU AI Act serious-incident report submitted as an initial, "
                              "incomplete report (EU AI Act Art. 73(2))")
    with pytest.raises(timeline.Refused, match="already recorded as submitted"):
        regulatory.submit(session, incident=incident, catalog=catalog, initial=False,
                          actor="U_BOB", deadline_id=done.id, now=sent)
    with pytest.raises(timeline.Refused, match="no initial, incomplete form"):
        regulatory.submit(session, incident=incident, catalog=catalog, initial=True,
                          actor="U_BOB", now=sent,
                          deadline_id=clocks[K.GDPR_BREACH_NOTIFICATION].id)
    late = sent + timedelta(days=1)  # after the 72 hours
    regulatory.submit(session, incident=incident, catalog=catalog, initial=False, actor="U_BOB",
                      deadline_id=clocks[K.GDPR_BREACH_NOTIFICATION].id, now=late)
    assert "24.0 h after its due time" in events(
        session, incident, EventKind.REGULATORY_REPORT_SUBMITTED)[-1].text


def test_snoozing_a_report_reminder_needs_a_reason(session, catalog):
    incident = declare(session, catalog)
    assess(session, catalog, incident, personal_data_breach="yes")
    [clock] = running(session, incident).values()
    with pytest.raises(timeline.Refused, match="only with a reason"):
        deadlines.snooze(session, incident=incident, deadline_id=clock.id,
                         duration=timedelta(hours=1), now=NOW, actor="U_BOB")
    regulatory.snooze(session, incident=incident, deadline_id=clock.id, seconds=3600,
                      reason="DPO on the phone with the authority", actor="U_BOB", now=NOW)
    [event] = events(session, incident, EventKind.DEADLINE_SNOOZED)
    assert event.text.endswith("snoozed for 60 min: DPO on the phone with the authority")
    assert session.get(Deadline, clock.id).due_at == NOW + timedelta(hours=72)  # unmoved
    with pytest.raises(timeline.Refused, match="marked submitted with its own button"):
        deadlines.mark_done(session, incident=incident, deadline_id=clock.id, now=NOW,
                            actor="U_BOB")  # a plain "Mark done" would skip the submission


def test_the_draft_is_filled_from_the_incident(session, catalog):
    incident = declare(session, catalog)
    incident.commander = "U_BOB"
    assess(session, catalog, incident, health="death")
    [clock] = running(session, incident).values()
    text = regulatory_reports.draft(session, incident=incident, catalog=catalog,
                                    deadline_id=clock.id, actor="U_BOB", now=NOW,
                                    people={"U_BOB": "Bob Builder"})

    assert text.startswith("# EU AI Act serious-incident report: Cards of one bank")
    assert "under EU AI Act Art. 73(4) (the death of a person)" in text
    assert "Due 2026-12-07 11:00 CET (10:00 UTC): 10 days from 2026-11-27 11:00 CET" in text
    assert "Role under the EU AI Act: provider" in text
    assert "Contact for this incident: Bob Builder" in text
    assert "Fraud detector, operated for Acme Bank" in text
    assert "- A death (EU AI Act Art. 3(49)(a))" in text
    assert "[to fill: how many, and in which member states]" in text
    item = session.exec(select(Outbox).where(Outbox.kind == Kind.REGULATORY_DRAFT)).one()
    assert item.payload["text"] == text
    assert events(session, incident, EventKind.REGULATORY_REPORT_DRAFTED)


def test_a_templates_dir_replaces_a_report_template(session, catalog, tmp_path):
    (tmp_path / "regulatory").mkdir()
    (tmp_path / "regulatory" / "gdpr_breach_notification.md.j2").write_text(
        "Our own form for {{ d.system.name }}, due {{ d.clock.due_at }}\n")
    custom = catalog.model_copy(update={"templates_dir": tmp_path})
    incident = declare(session, custom)
    assess(session, custom, incident, personal_data_breach="yes")
    [clock] = running(session, incident).values()
    text = regulatory_reports.draft(session, incident=incident, catalog=custom,
                                    deadline_id=clock.id, actor="U_BOB", now=NOW)
    assert text == "Our own form for Fraud detector, due 2026-11-30 11:00 CET (10:00 UTC)\n"


def test_the_review_has_its_own_section_with_every_clock(session, catalog):
    incident = declare(session, catalog)
    assess(session, catalog, incident, personal_data_breach="yes", fundamental_rights="yes")
    gdpr = running(session, incident)[K.GDPR_BREACH_NOTIFICATION]
    regulatory.submit(session, incident=incident, catalog=catalog, initial=False, actor="U_BOB",
                      deadline_id=gdpr.id, now=NOW + timedelta(hours=70))
    session.flush()
    text = review.render(review.gather(session, incident_id=incident.id, catalog=catalog,
                                       now=NOW + timedelta(days=20)))

    section = text.split("## Regulatory reporting", 1)[1].split("\n## ", 1)[0]
    assert "Reporting duties of this system: EU AI Act (provider), GDPR." in section
    assert ("- Assessed reportable 2026-11-27 10:00:00 UTC by @U_BOB: Infringement of "
            "fundamental-rights obligations (EU AI Act Art. 3(49)(c)); Personal data breach "
            "(GDPR Art. 4(12), 33(1))") in section
    assert "| GDPR personal-data breach notification | GDPR Art. 33(1) |" in section
    assert "submitted, 2h 00m 00s before it was due" in section
    assert "missed: not submitted, " in section and "overdue |" in section
    response = text.split("## Response", 1)[1].split("## Regulatory reporting")[0]
    assert "GDPR" not in response  # not repeated in the response deadlines


def test_compliance_table_per_regulation(engine, session, catalog):
    first, second = declare(session, catalog), declare(session, catalog)
    assess(session, catalog, first, personal_data_breach="yes", fundamental_rights="yes")
    assess(session, catalog, second, personal_data_breach="yes")
    assess(session, catalog, second, now=NOW + timedelta(hours=1))  # stops it
    gdpr = running(session, first)[K.GDPR_BREACH_NOTIFICATION]
    regulatory.submit(session, incident=first, catalog=catalog, initial=False, actor="U_BOB",
                      deadline_id=gdpr.id, now=NOW + timedelta(hours=2))
    session.commit()
    out = io.StringIO()
    run_report(database_url=str(engine.url.render_as_string(hide_password=False)),
               since="2026-11-01", until="2026-11-30", as_json=False, out=out,
               now=NOW + timedelta(days=1))
    table = out.getvalue().split("Regulatory clocks", 1)[1].splitlines()
    assert table[0].split() == ["started", "met", "late", "missed", "open", "stopped"]
    assert table[1].split() == ["EU", "AI", "Act", "1", "0", "0", "0", "1", "0"]
    assert table[2].split() == ["GDPR", "2", "1", "0", "0", "0", "1"]
    out = io.StringIO()
    run_report(database_url=str(engine.url.render_as_string(hide_password=False)),
               since="2026-11-01", until="2026-11-30", as_json=True, out=out,
               now=NOW + timedelta(days=20))
    import json
    data = json.loads(out.getvalue())["regulatory_compliance"]
    assert data["eu_ai_act"] == {"started": 1, "met": 0, "late": 0, "missed": 1, "open": 0,
                                 "stopped": 0}
    assert set(data) == {"eu_ai_act", "gdpr"}
    assert all(k not in json.loads(out.getvalue())["deadline_compliance"]
               for k in regulatory.TITLES)
    assert Status.TRIAGE  # the incidents stay open: the clocks do not care
