"""Incidents with known timestamps for the analytics tests (report, CSV, Slack post).

Built through the real use cases (alerts, declare, assign, deadlines, resolve, ...) with the
example catalog's policy, in time order. Read in Europe/Berlin:
- A and B straddle the Q3/Q4 boundary: A at 23:30 CEST on 30 September (Q3), B at 00:30
  CEST on 1 October (Q4), though both are on 30 September in UTC.
- C is declared at 02:30 CEST and resolved at 02:45 CET on 25 October, the night the clocks
  go back: 1 h 15 min, not the 15 minutes the wall clock shows.
- F (declined), G (merged), H (drill) never count; I (June) and J (August) lie outside a
  "last 90 days" read on NOW, J inside July-December.
Expected figures are worked out by hand in the tests that use this.
"""

from __future__ import annotations

from datetime import UTC, datetime

from incidents import queries, roles
from incidents.alerts import ingest as alerts
from incidents.alerts.schema import AlertIn
from incidents.db import session_scope
from incidents.deadlines import clocks as deadlines
from incidents.lifecycle import changes as lifecycle
from incidents.review import findings, followups
from incidents.types import DeadlineKind, Role, Severity, Status

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
CATEGORIES = {"data_pipeline": "Data pipeline", "data_drift": "Data drift",
              "model_or_deployment": "Model or deployment"}


def at(text: str) -> datetime:
    """`2026-09-30 21:30` in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _alert(s, catalog, *, system: str, title: str, started: str, received: str, sev=None):
    return alerts.ingest(s, alert=AlertIn(system=system, title=title, started_at=at(started),
                                          severity=sev, signal="prediction_distribution"),
                         source="alertmanager", now=at(received), catalog=catalog)


def build(engine, catalog) -> dict[str, int]:
    policy = catalog.policy
    ids: dict[str, int] = {}
    with session_scope(engine) as s:

        def declare(name, when, system, severity, **extra):
            incident = lifecycle.declare(s, title=f"Incident {name}", system=system,
                                       severity=Severity(severity), now=at(when),
                                       catalog=catalog, declared_by="U_ALICE", **extra)
            ids[name] = incident.id
            return incident

        def status(incident, to, when):
            lifecycle.change_status(s, incident=incident, status=to, actor="U_BOB", now=at(when),
                                  policy=policy)

        def commander(incident, when):
            roles.assign(s, incident=incident, role=Role.COMMANDER, user="U_BOB",
                           actor="U_BOB", now=at(when))

        def done(incident, kind, when):
            assert deadlines.complete(s, incident=incident, kind=kind, now=at(when),
                                      actor="U_ALICE", policy=policy) is not None

        def resolve(incident, when, cause):
            lifecycle.resolve(s, incident=incident, summary="Fixed", actor="U_BOB", now=at(when),
                            root_cause_category=cause, policy=policy)

        # I: June, outside every period read here.
        i = declare("I", "2026-06-15 10:00", "fraud-detector", 2)
        resolve(i, "2026-06-15 11:00", "data_pipeline")

        # J: maintenance-predictor, Sev4 (no deadlines), in July-December only.
        j = declare("J", "2026-08-20 12:00", "maintenance-predictor", 4)
        commander(j, "2026-08-20 12:10")
        resolve(j, "2026-08-20 20:00", "data_drift")

        # A: opened by an alert that started 10 min earlier; every deadline met; closed.
        a = queries.get(s, _alert(s, catalog, system="fraud-detector", title="Flag rate 40%",
                                  started="2026-09-30 21:20", received="2026-09-30 21:30",
                                  sev="sev2").incident_id)
        ids["A"] = a.id
        commander(a, "2026-09-30 21:35")
        done(a, DeadlineKind.TECHNICAL_NOTIFICATION, "2026-09-30 22:10")
        status(a, Status.INVESTIGATING, "2026-09-30 22:15")
        status(a, Status.MITIGATED, "2026-09-30 22:30")
        done(a, DeadlineKind.STATUS_UPDATE, "2026-09-30 23:20")  # the next is due 01:20
        resolve(a, "2026-10-01 00:30", "data_pipeline")  # cancels that next one
        findings.set_business_impact(s, incident=a, text="1,200 card payments declined",
                                     actor="U_ALICE", now=at("2026-10-06 11:00"))
        status(a, Status.CLOSED, "2026-10-06 12:00")  # the review, due 8 October: met
        followups.add(s, incident=a, text="Validate the merchant feed", owner="U_BOB",
                      actor="U_ALICE", now=at("2026-10-06 13:00"),
                      due_at=at("2026-11-20 00:00"))
        second = followups.add(s, incident=a, text="Alert on empty features", owner=None,
                               actor="U_ALICE", now=at("2026-10-06 13:01"))
        followups.complete(s, incident=a, followup_id=second.id, actor="U_BOB",
                           now=at("2026-10-07 09:00"))

        # B: declared by hand, Sev1; executive notification on time, status update missed.
        b = declare("B", "2026-09-30 22:30", "fraud-detector", 1)
        commander(b, "2026-09-30 22:32")
        status(b, Status.INVESTIGATING, "2026-09-30 22:40")
        done(b, DeadlineKind.EXECUTIVE_NOTIFICATION, "2026-09-30 22:50")
        status(b, Status.MITIGATED, "2026-10-01 00:00")
        deadlines.fire_due(s, now=at("2026-10-01 00:31"), policy=policy)  # update due 00:30
        resolve(b, "2026-10-01 02:30", "model_or_deployment")  # review due 8 Oct: missed
        findings.set_root_cause(s, incident=b, category="data_pipeline",
                                text="Merchant feed sent empty categories",
                                categories=CATEGORIES, actor="U_ALICE",
                                now=at("2026-10-05 15:00"))

        # F: declined.
        f = declare("F", "2026-10-02 10:00", "recommender", 4)
        lifecycle.decline(s, incident=f, actor="U_BOB", now=at("2026-10-02 10:30"),
                        policy=policy)

        # C: across the change back to CET; an alert that started before the declaration.
        c = declare("C", "2026-10-25 00:30", "recommender", 3)
        _alert(s, catalog, system="recommender", title="Click-through down 30%",
               started="2026-10-25 00:10", received="2026-10-25 00:40")
        commander(c, "2026-10-25 00:45")
        status(c, Status.INVESTIGATING, "2026-10-25 00:50")
        g = declare("G", "2026-10-25 00:50", "recommender", 3)
        lifecycle.merge(s, incident=g, into=c, actor="U_BOB", now=at("2026-10-25 01:00"),
                      policy=policy)
        done(c, DeadlineKind.FIRST_RESPONSE, "2026-10-25 01:00")
        resolve(c, "2026-10-25 01:45", "data_drift")

        # H: a drill.
        h = declare("H", "2026-11-05 12:00", "fraud-detector", 2, is_drill=True, page=False)
        resolve(h, "2026-11-05 13:00", "data_pipeline")

        # D: opened by an alert; notification and status update both late; review missed.
        d = queries.get(s, _alert(s, catalog, system="fraud-detector", title="Flag rate 35%",
                                  started="2026-11-10 08:45", received="2026-11-10 09:00",
                                  sev="sev2").incident_id)
        ids["D"] = d.id
        commander(d, "2026-11-10 09:20")
        status(d, Status.INVESTIGATING, "2026-11-10 09:30")
        deadlines.fire_due(s, now=at("2026-11-10 11:01"), policy=policy)  # both due 11:00
        done(d, DeadlineKind.TECHNICAL_NOTIFICATION, "2026-11-10 12:00")
        done(d, DeadlineKind.STATUS_UPDATE, "2026-11-10 12:05")  # the next is due 14:05
        status(d, Status.MITIGATED, "2026-11-10 13:00")
        resolve(d, "2026-11-10 14:00", "data_pipeline")  # review due 17 November
        followups.add(s, incident=d, text="Add a schema check", owner="U_BOB",
                      actor="U_BOB", now=at("2026-11-10 15:00"), due_at=at("2026-12-10 00:00"))

        # E: still open; its first response is due tomorrow.
        e = declare("E", "2026-11-27 08:00", "fraud-detector", 3)
        status(e, Status.INVESTIGATING, "2026-11-27 08:05")
    return ids
