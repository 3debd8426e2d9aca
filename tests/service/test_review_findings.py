"""Root cause and business impact, recorded or corrected after resolution."""

from datetime import timedelta

import pytest
from sqlmodel import select

from incidents import timeline
from incidents.lifecycle import changes as lifecycle
from incidents.models import Outbox
from incidents.outbox import Kind
from incidents.review import draft as review
from incidents.review import findings
from incidents.types import ROOT_CAUSE_CATEGORIES, EventKind, Severity, Status
from tests.service.conftest import NOW


def later(minutes: int):
    return NOW + timedelta(minutes=minutes)


@pytest.fixture
def resolved(session, catalog):
    incident = lifecycle.declare(session, title="Flag rate 40%", system="fraud-detector",
                               severity=Severity.SEV2, now=NOW, catalog=catalog)
    lifecycle.resolve(session, incident=incident, summary="Rolled back", actor="U_BOB",
                    now=later(60), root_cause_category="model_or_deployment",
                    policy=catalog.policy)
    return incident


def events(session, incident, kind):
    return [e for e in timeline.events(session, incident.id) if e.kind == kind]


def test_root_cause_corrected_after_resolution(session, catalog, resolved):
    event = findings.set_root_cause(
        session, incident=resolved, category="Data-Pipeline",
        text="  The merchant feed   sent empty categories ", categories=ROOT_CAUSE_CATEGORIES,
        actor="U_ALICE", now=later(2 * 24 * 60))
    assert (resolved.root_cause_category, resolved.root_cause) == (
        "data_pipeline", "The merchant feed sent empty categories")
    assert event.kind == EventKind.ROOT_CAUSE_CHANGED and event.actor == "U_ALICE"
    assert event.text == "Root cause: Data pipeline: The merchant feed sent empty categories"
    assert event.data == {
        "from": {"category": "model_or_deployment", "text": None},
        "to": {"category": "data_pipeline", "text": "The merchant feed sent empty categories"},
        "label": "Data pipeline",
    }
    posted = session.exec(select(Outbox).where(Outbox.kind == Kind.ANNOUNCE)).all()
    assert [o.payload for o in posted if o.payload == {"event": event.id}] == [
        {"event": event.id}
    ]

    # A new category without words keeps the words already recorded.
    findings.set_root_cause(session, incident=resolved, category="data_drift", text="",
                            categories=ROOT_CAUSE_CATEGORIES, actor="U_ALICE", now=later(3000))
    assert resolved.root_cause == "The merchant feed sent empty categories"
    assert len(events(session, resolved, EventKind.ROOT_CAUSE_CHANGED)) == 2

    markdown = review.render(
        review.gather(session, incident_id=resolved.id, catalog=catalog, now=later(4000)),
        templates_dir=None)
    assert "Root cause category: Data drift" in markdown
    assert "The merchant feed sent empty categories" in markdown


def test_root_cause_refusals(session, catalog, resolved):
    with pytest.raises(timeline.Refused, match="`gremlins` is not a root cause category"):
        findings.set_root_cause(session, incident=resolved, category="gremlins", text="x",
                                categories=ROOT_CAUSE_CATEGORIES, actor="U_A", now=later(61))
    with pytest.raises(timeline.Refused, match="already Model or deployment"):
        findings.set_root_cause(session, incident=resolved, category="model_or_deployment",
                                text=None, categories=ROOT_CAUSE_CATEGORIES, actor="U_A",
                                now=later(61))
    with pytest.raises(timeline.Refused, match="under 1000 characters"):
        findings.set_root_cause(session, incident=resolved, category="data_drift",
                                text="x" * 1001, categories=ROOT_CAUSE_CATEGORIES,
                                actor="U_A", now=later(61))
    other = lifecycle.declare(session, title="Other", system="fraud-detector",
                            severity=Severity.SEV3, now=later(70), catalog=catalog)
    dup = lifecycle.declare(session, title="Dup", system="fraud-detector",
                          severity=Severity.SEV3, now=later(71), catalog=catalog)
    lifecycle.merge(session, incident=dup, into=other, actor="U_A", now=later(72))
    with pytest.raises(timeline.Refused, match=f"merged into incident #{other.id}"):
        findings.set_business_impact(session, incident=dup, text="x", actor="U_A",
                                     now=later(73))
    assert events(session, resolved, EventKind.ROOT_CAUSE_CHANGED) == []


def test_business_impact(session, catalog, resolved):
    event = findings.set_business_impact(session, incident=resolved,
                                         text="4,200 card payments declined over 3 hours",
                                         actor="U_ALICE", now=later(90))
    assert resolved.business_impact == "4,200 card payments declined over 3 hours"
    assert resolved.status == Status.RESOLVED
    assert event.kind == EventKind.IMPACT_CHANGED
    assert event.data == {"from": None, "to": "4,200 card payments declined over 3 hours"}
    with pytest.raises(timeline.Refused, match="already the recorded business impact"):
        findings.set_business_impact(session, incident=resolved,
                                     text="4,200 card payments declined over 3 hours",
                                     actor="U_ALICE", now=later(91))
    with pytest.raises(timeline.Refused, match="Say what the business impact was"):
        findings.set_business_impact(session, incident=resolved, text="  ", actor="U_ALICE",
                                     now=later(91))
