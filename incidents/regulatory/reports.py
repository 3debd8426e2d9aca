"""The documents of regulatory reporting: a report drafted from the incident's facts (one
Jinja2 template per report kind under `templates/regulatory/`, overridable through the
catalog's `templates_dir`), and the review's "Regulatory reporting" section.

Templates receive plain data. What the incident does not record is left for people to
fill, marked `[to fill: …]`, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from incidents import documents, outbox, timeline
from incidents.catalog.models import Catalog
from incidents.comms import notifications as communications
from incidents.models import Alert, Deadline, Incident
from incidents.outbox import Kind
from incidents.regulatory import (
    assessment as regulatory,
)
from incidents.regulatory import (
    clocks as regulatory_clocks,
)
from incidents.regulatory import (
    policy as regulatory_policy,
)
from incidents.regulatory.clocks import TITLES
from incidents.regulatory.models import RegulatoryClock
from incidents.response_times import format_duration
from incidents.review.format import Clock
from incidents.types import AlertStatus, DeadlineKind, DeadlineState, EventKind, Severity

Who = Callable[[str | None], str]


def template_name(report: str) -> str:
    return f"regulatory/{report}.md.j2"


def draft(
    session: Session, *, incident: Incident, catalog: Catalog, deadline_id: int, actor: str | None,
    now: datetime, people: Mapping[str, str] | None = None,
) -> str:
    """Render the report's draft and queue it for the incident channel, for the team to
    complete and send; "Mark as submitted" on it stops the clock."""
    clock, deadline = regulatory.owned(session, incident, deadline_id)
    text = render_draft(session, incident=incident, catalog=catalog, clock=clock,
                        deadline=deadline, now=now, people=people)
    event = timeline.record(
        session, incident=incident, kind=EventKind.REGULATORY_REPORT_DRAFTED, now=now,
        actor=actor, text=f"{TITLES[DeadlineKind(clock.report)]} drafted ({clock.article})",
        data={"deadline": deadline.id, "report": clock.report})
    session.flush()
    outbox.regulatory(session, Kind.REGULATORY_DRAFT, incident_id=incident.id,
                      payload={"deadline": deadline.id, "event": event.id, "text": text,
                               "by": actor})
    return text


def render_draft(session: Session, *, incident: Incident, catalog: Catalog, clock: RegulatoryClock,
                 deadline: Deadline, now: datetime,
                 people: Mapping[str, str] | None = None) -> str:
    data = draft_data(session, incident=incident, catalog=catalog, clock=clock,
                      deadline=deadline, now=now, people=people)
    return documents.render(template_name(clock.report), {"d": data},
                            templates_dir=catalog.templates_dir).strip() + "\n"


def _who(people: Mapping[str, str] | None) -> Who:
    names = dict(people or {})

    def who(user: str | None) -> str:
        return names.get(user, f"@{user}") if user else ""

    return who


def when(moment: datetime | None, zone: ZoneInfo) -> str:
    """`2026-03-27 10:00 CET (09:00 UTC)`: the authority's day, and the instant."""
    if moment is None:
        return ""
    local, utc = moment.astimezone(zone), moment.astimezone(UTC)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({utc:%H:%M} UTC)"


def draft_data(session: Session, *, incident: Incident, catalog: Catalog, clock: RegulatoryClock,
               deadline: Deadline, now: datetime,
               people: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Everything a report template receives, from the database and the catalog."""
    book = regulatory_clocks.shipped()
    zone = catalog.policy.regulatory.zone(book)
    who = _who(people)
    rule = book.clocks[clock.clock]
    report = book.reports[DeadlineKind(clock.report)]
    within = catalog.policy.regulatory.clocks.get(clock.clock, rule.within)
    follow_up = next((c for c in book.clocks.values() if c.starts
                      and c.starts.after_initial == clock.report), None)
    previous = None
    if rule.starts is not None:
        previous = session.exec(select(RegulatoryClock.submitted_at).where(
            RegulatoryClock.incident_id == incident.id,
            RegulatoryClock.report == rule.starts.report,
            col(RegulatoryClock.submitted_at).is_not(None))).first()
    latest = regulatory.assessments(session, incident.id)[-1:]
    assessed = latest[0] if latest else None
    system = catalog.systems.get(incident.system)
    client = catalog.client_for(incident.system)
    obligations = regulatory.obligations_of(catalog, incident.system)
    first = session.exec(select(Alert).where(Alert.incident_id == incident.id,
                                             Alert.status == AlertStatus.FIRING)
                         .order_by(col(Alert.starts_at), col(Alert.id))).first()
    return {
        "report": {"kind": clock.report, "title": TITLES[DeadlineKind(clock.report)],
                   "article": clock.article, "why": rule.why, "to": report.to,
                   "within": str(within), "note": rule.note,
                   "initial_allowed": report.initial_report and not clock.submitted_at,
                   "initial_article": follow_up.article if follow_up else ""},
        "clock": {"starts_at": when(clock.starts_at, zone), "due_at": when(deadline.due_at, zone),
                  "follows": f"when {rule.why}" if rule.starts else None},
        "previous": when(previous, zone) if previous else None,
        "role": (obligations.eu_ai_act.role if obligations and obligations.eu_ai_act
                 else None),
        "contact": who(incident.commander),
        "system": {"key": incident.system,
                   "name": communications.system_name(catalog, incident.system),
                   "description": system.description if system else "",
                   "criticality": system.criticality if system else "not in the catalog",
                   "client": client.name if client else None},
        "incident": {"id": incident.id, "title": incident.title,
                     "severity": f"{Severity(incident.severity).label} "
                                 f"({Severity(incident.severity).meaning.lower()})",
                     "status": incident.status, "description": incident.description.strip(),
                     "opened": when(incident.created_at, zone),
                     "impact_started": when(incident.impact_started_at, zone),
                     "resolved": when(incident.resolved_at, zone)},
        "first_alert": first.title if first else None,
        "impact": communications.business_impact(
            session, incident=incident, bounds=catalog.contract_for(incident.system)),
        "assessment": {"at": when(assessed.assessed_at, zone) if assessed else "",
                       "by": who(assessed.assessed_by) if assessed else "",
                       "found": regulatory_policy.findings(book, assessed.answers)
                       if assessed else [],
                       "note": assessed.note if assessed else ""},
        "root_cause": communications.root_cause_text(incident),
        "mitigation": communications.mitigation_in_place(session, incident.id),
        "generated": when(now, zone),
    }


# ---------------------------------------------------------------- the review's section


def outcome(clock: RegulatoryClock, deadline: Deadline, now: datetime) -> str:
    """Submitted on time or late, stopped, moved, missed or still open, with margins."""
    due = deadline.due_at
    if clock.submitted_at is not None:
        how = "initial report submitted" if clock.initial else "submitted"
        if clock.submitted_at <= due and not deadline.escalated:
            return f"{how}, {format_duration(due - clock.submitted_at)} before it was due"
        return f"{how} {format_duration(clock.submitted_at - due)} after it was due"
    if clock.ended == "moved":
        return "moved by a later assessment (next line)"
    if clock.ended == "stopped":
        missed = " after it was missed" if deadline.escalated else ""
        return f"stopped{missed}: a later assessment found it no longer applies"
    if now >= due or deadline.state == DeadlineState.MISSED:
        return f"missed: not submitted, {format_duration(now - due)} overdue"
    return f"open: due in {format_duration(due - now)}"


def review_section(session: Session, *, incident: Incident, catalog: Catalog, clock: Clock,
                   who: Who, now: datetime) -> dict[str, Any] | None:
    """The assessments and every clock with its outcome; None for a system without
    obligations that was never assessed (the review then has no such section)."""
    obligations = regulatory.obligations_of(catalog, incident.system)
    assessed = regulatory.assessments(session, incident.id)
    if obligations is None and not assessed:
        return None
    book = regulatory_clocks.shipped()
    duties = []
    if obligations is not None:
        for name in obligations.regulations:
            role = f" ({obligations.eu_ai_act.role})" if name == "eu_ai_act" else ""
            duties.append(regulatory_clocks.REGULATION_NAMES[name] + role)
    return {
        "regulations": ", ".join(duties) or "none in the catalog now",
        "assessments": [{"at": clock.text(a.assessed_at), "by": who(a.assessed_by),
                         "verdict": "reportable" if a.reportable else "not reportable",
                         "found": regulatory_policy.findings(book, a.answers),
                         "note": a.note} for a in assessed],
        "clocks": [{"title": TITLES[DeadlineKind(c.report)], "article": c.article,
                    "starts": clock.text(c.starts_at), "due": clock.text(d.due_at),
                    "outcome": outcome(c, d, now)}
                   for c, d in regulatory.clocks_of(session, incident.id)],
    }
