"""Reportability: a person assesses whether an incident must be reported, and the
regulatory clocks that assessment starts run as deadlines like the others.

Keyword-only use cases that take the session; each writes its timeline events and its
outbox message in the caller's transaction. What the law says (questions, durations,
articles) comes from `clocks.yml` through `incidents.regulatory.clocks`; which
regulations apply comes from the system's `obligations` in the catalog. A system without
obligations has no questions, no clocks and no button.

- `assess` records who answered, when (the moment of awareness) and what, then brings the
  clocks in line with every assessment so far: a clock that now applies starts, one whose
  due time changed moves (its deadline is replaced), one that no longer applies stops.
- `submit` is "Mark as submitted": the report's deadline is met, and a clock that follows
  it (the complete report after an initial one, NIS2's final report) starts.
- Drafting a report from its template is `incidents.regulatory.reports.draft`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from incidents import outbox, timeline
from incidents.catalog.ai import Obligations
from incidents.catalog.models import Catalog
from incidents.db import lock_systems
from incidents.deadlines import clocks as deadlines
from incidents.deadlines import policy as deadline_policy
from incidents.models import Deadline, Incident
from incidents.outbox import Kind
from incidents.regulatory import clocks as regulatory_clocks
from incidents.regulatory import policy as regulatory_policy
from incidents.regulatory.clocks import TITLES
from incidents.regulatory.models import RegulatoryClock, ReportabilityAssessment
from incidents.regulatory.policy import Assessed, Submitted
from incidents.types import DeadlineKind, DeadlineState, EventKind

NOT_REGULATED = ("The catalog names no reporting obligations for {system}, so there is "
                 "nothing to assess: add `obligations` to the system in incidentbot.yml.")


def _one_at_a_time(session: Session, incident: Incident) -> None:
    """Two replicas (or a double click) assessing or submitting for the same incident take
    turns, so neither starts a clock the other already started (PostgreSQL; SQLite has one
    writer at a time already)."""
    lock_systems(session, {f"regulatory:{incident.id}"})


def obligations_of(catalog: Catalog, system_key: str) -> Obligations | None:
    """The system's obligations, or None when it has none (nothing of this feature shows)."""
    system = catalog.systems.get(system_key)
    found = system.obligations if system is not None else None
    return found if found is not None and found.any else None


def assessments(session: Session, incident_id: int) -> list[ReportabilityAssessment]:
    return list(session.exec(
        select(ReportabilityAssessment).where(ReportabilityAssessment.incident_id == incident_id)
        .order_by(col(ReportabilityAssessment.assessed_at), col(ReportabilityAssessment.id))))


def clocks_of(session: Session, incident_id: int) -> list[tuple[RegulatoryClock, Deadline]]:
    """Every clock the incident ever ran, with its deadline, oldest first."""
    return list(session.exec(
        select(RegulatoryClock, Deadline)
        .join(Deadline, col(Deadline.id) == col(RegulatoryClock.deadline_id))
        .where(RegulatoryClock.incident_id == incident_id)
        .order_by(col(Deadline.created_at), col(RegulatoryClock.id))))


def clock_row(session: Session, deadline_id: int) -> RegulatoryClock | None:
    return session.exec(select(RegulatoryClock)
                        .where(RegulatoryClock.deadline_id == deadline_id)).first()


@dataclass(frozen=True)
class OpenClock:
    """A running clock as Slack shows it (builders take this, never a session)."""

    deadline_id: int
    report: str
    title: str
    article: str
    why: str
    to: str
    starts_at: datetime
    due_at: datetime
    within: str
    initial_allowed: bool
    state: str


def open_clocks(session: Session, incident_id: int, catalog: Catalog) -> list[OpenClock]:
    book = regulatory_clocks.shipped()
    found = []
    for clock, deadline in clocks_of(session, incident_id):
        if deadline.state not in deadline_policy.LIVE:
            continue
        rule, report = book.clocks.get(clock.clock), book.reports[DeadlineKind(clock.report)]
        if rule is None:  # the data file no longer has this clock: show what the row knows
            within, why = deadline.due_at - clock.starts_at, ""
        else:
            within = catalog.policy.regulatory.clocks.get(clock.clock, rule.within)
            why = rule.why
        found.append(OpenClock(deadline.id, clock.report, TITLES[DeadlineKind(clock.report)],
                               clock.article, why, report.to, clock.starts_at,
                               deadline.due_at, str(within), report.initial_report,
                               deadline.state))
    return sorted(found, key=lambda c: c.due_at)


# ---------------------------------------------------------------- assessing


def assess(
    session: Session, *, incident: Incident, catalog: Catalog, answers: Mapping[str, str],
    actor: str | None, now: datetime, note: str = "",
) -> ReportabilityAssessment:
    """Record an assessment made now (the moment of awareness) and start, move or stop the
    clocks it implies. Every question of the system's regulations must be answered."""
    obligations = obligations_of(catalog, incident.system)
    if obligations is None:
        raise timeline.Refused(NOT_REGULATED.format(system="this incident's system"))
    _one_at_a_time(session, incident)
    book = regulatory_clocks.shipped()
    asked = regulatory_policy.questions_for(book, obligations)
    problems = [key for key, question in asked.items() if answers.get(key) not in question.choices]
    if problems or set(answers) - set(asked):
        raise timeline.Refused(f"Answer every question of the assessment ({', '.join(asked)}).")
    answers = {key: answers[key] for key in asked}
    found = regulatory_policy.reportable(book, obligations, answers)
    row = ReportabilityAssessment(incident_id=incident.id, assessed_by=actor, assessed_at=now,
                                  answers=answers, reportable=found, note=note.strip())
    session.add(row)
    session.flush()
    timeline.record(
        session, incident=incident, kind=EventKind.REPORTABILITY_ASSESSED, now=now, actor=actor,
        text=("Assessed reportable: " + "; ".join(regulatory_policy.findings(book, answers))
              if found else "Assessed not reportable"),
        data={"assessment": row.id, "answers": answers, "reportable": found,
              "note": row.note},
    )
    changes = reconcile(session, incident=incident, catalog=catalog, now=now, actor=actor,
                        assessment_id=row.id)
    outbox.regulatory(session, Kind.REGULATORY_CLOCKS, incident_id=incident.id,
                      payload={"assessment": row.id, "changes": changes})
    return row


def reconcile(
    session: Session, *, incident: Incident, catalog: Catalog, now: datetime, actor: str | None,
    assessment_id: int | None = None,
) -> list[dict[str, Any]]:
    """Bring the incident's regulatory deadlines in line with its assessments and the
    reports submitted so far; returns what changed, as plain data for the message."""
    book = regulatory_clocks.shipped()
    policy = catalog.policy.regulatory
    history = [Assessed(a.assessed_at, a.answers) for a in assessments(session, incident.id)]
    rows = clocks_of(session, incident.id)
    submitted = {c.report: Submitted(c.submitted_at, c.initial)
                 for c, _ in rows if c.submitted_at is not None}
    wanted = regulatory_policy.due(book, obligations=obligations_of(catalog, incident.system),
                                   history=history, submitted=submitted,
                                   zone=policy.zone(book), overrides=policy.clocks)
    live = {c.report: (c, d) for c, d in rows if d.state in deadline_policy.LIVE}
    changes: list[dict[str, Any]] = []
    for report, (clock, deadline) in live.items():
        target = wanted.get(report)
        if target is not None and (target.due_at, target.clock) == (deadline.due_at, clock.clock):
            continue
        _end(clock, deadline, "moved" if target else "stopped")
        if target is None:
            changes.append(_record(session, incident, EventKind.REGULATORY_CLOCK_STOPPED, now,
                                   actor, clock, deadline, "no longer applies"))
        else:
            new, row = _start(session, incident, target, now, catalog, assessment_id)
            changes.append(_record(session, incident, EventKind.REGULATORY_CLOCK_MOVED, now,
                                   actor, row, new, "moved", previous=deadline.due_at))
    done = {c.report for c, d in rows if d.state == DeadlineState.DONE}
    for report, target in wanted.items():
        if report in live or report in done:
            continue
        new, row = _start(session, incident, target, now, catalog, assessment_id)
        changes.append(_record(session, incident, EventKind.REGULATORY_CLOCK_STARTED, now, actor,
                               row, new, "started"))
    return changes


def _start(session: Session, incident: Incident, target: regulatory_policy.Due, now: datetime,
           catalog: Catalog, assessment_id: int | None) -> tuple[Deadline, RegulatoryClock]:
    book = regulatory_clocks.shipped()
    deadline = deadlines.start(session, incident=incident, kind=target.report,
                               due_at=target.due_at, now=now, policy=catalog.policy)
    session.flush()
    row = RegulatoryClock(deadline_id=deadline.id, incident_id=incident.id, report=target.report,
                          clock=target.clock, regulation=book.regulation_of(target.clock),
                          article=book.clocks[target.clock].article, starts_at=target.starts_at,
                          assessment_id=assessment_id)
    session.add(row)
    return deadline, row


def _end(clock: RegulatoryClock, deadline: Deadline, how: str) -> None:
    # Replaced or no longer owed: nothing more to remind (a clock missed before it ended
    # still counts as missed: incidents/deadlines/outcome.py).
    clock.ended = how
    deadline.state = DeadlineState.CANCELLED
    deadline.next_reminder_at = None


def _record(session: Session, incident: Incident, kind: EventKind, now: datetime,
            actor: str | None, clock: RegulatoryClock, deadline: Deadline, how: str,
            previous: datetime | None = None) -> dict[str, Any]:
    title = TITLES[DeadlineKind(clock.report)]
    when = f"due {deadline.due_at:%Y-%m-%d %H:%M} UTC ({clock.article})"
    text = {"started": f"Clock started: {title} {when}",
            "moved": f"Clock moved: {title} now {when}",
            "no longer applies": f"Clock stopped: {title} no longer applies"}[how]
    change = {"change": how, "deadline": deadline.id, "report": clock.report,
              "article": clock.article, "due_at": deadline.due_at.isoformat(),
              "previous_due_at": previous.isoformat() if previous else None}
    timeline.record(session, incident=incident, kind=kind, now=now, actor=actor, text=text,
                   data=change)
    return change


# ---------------------------------------------------------------- reporting


def owned(session: Session, incident: Incident, deadline_id: int
           ) -> tuple[RegulatoryClock, Deadline]:
    found = session.exec(
        select(RegulatoryClock, Deadline)
        .join(Deadline, col(Deadline.id) == col(RegulatoryClock.deadline_id))
        .where(RegulatoryClock.deadline_id == deadline_id)).first()
    if found is None or found[0].incident_id != incident.id:
        raise timeline.Refused("That report belongs to no regulatory clock of this incident.")
    return found


def submit(
    session: Session, *, incident: Incident, catalog: Catalog, deadline_id: int, initial: bool,
    actor: str | None, now: datetime,
) -> RegulatoryClock:
    """"Mark as submitted": the report reached the authority; its clock stops. `initial`:
    an incomplete first report (EU AI Act Art. 73(5)), after which the complete one is due."""
    _one_at_a_time(session, incident)
    clock, deadline = owned(session, incident, deadline_id)
    if clock.submitted_at is not None:
        raise timeline.Refused("That report is already recorded as submitted.")
    if deadline.state not in deadline_policy.LIVE:
        raise timeline.Refused("That clock no longer runs: a later assessment moved or "
                              "stopped it.")
    report = regulatory_clocks.shipped().reports[DeadlineKind(clock.report)]
    if initial and not report.initial_report:
        raise timeline.Refused("This report has no initial, incomplete form: mark it submitted.")
    clock.submitted_at, clock.submitted_by, clock.initial = now, actor, initial
    deadline.state, deadline.completed_at, deadline.next_reminder_at = \
        DeadlineState.DONE, now, None
    on_time = now <= deadline.due_at
    title = TITLES[DeadlineKind(clock.report)]
    how = " as an initial, incomplete report" if initial else ""
    late = "" if on_time else f", {_late(now - deadline.due_at)} after its due time"
    timeline.record(
        session, incident=incident, kind=EventKind.REGULATORY_REPORT_SUBMITTED, now=now,
        actor=actor, text=f"{title} submitted{how} ({clock.article}){late}",
        data={"deadline": deadline.id, "report": clock.report, "initial": initial,
              "on_time": on_time, "due_at": deadline.due_at.isoformat()},
    )
    changes = reconcile(session, incident=incident, catalog=catalog, now=now, actor=actor)
    if changes:  # the report that follows now runs: say so where the team works
        outbox.regulatory(session, Kind.REGULATORY_CLOCKS, incident_id=incident.id,
                          payload={"submitted": deadline.id, "changes": changes})
    return clock


def snooze(
    session: Session, *, incident: Incident, deadline_id: int, seconds: int, reason: str,
    actor: str | None, now: datetime,
) -> Deadline:
    """A report's reminders wait, with the reason on the timeline; the due time stays."""
    owned(session, incident, deadline_id)
    snoozed = deadlines.snooze(session, incident=incident, deadline_id=deadline_id,
                               duration=timedelta(seconds=seconds), now=now, actor=actor,
                               reason=reason)
    if snoozed is None:
        raise timeline.Refused("That clock no longer runs.")
    return snoozed


def _late(delta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"
