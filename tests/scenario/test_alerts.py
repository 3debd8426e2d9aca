"""Alerts from Alertmanager, Grafana and generic JSON open and join incidents, exactly once."""

import asyncio
import json
from pathlib import Path

from sqlmodel import select

from incidents.models import Alert
from incidents.types import EventKind, Status

DATA = Path(__file__).parents[1] / "data"


def payload(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def generic(system="fraud-detector", title="Fraud flag rate 40%", **extra) -> dict:
    return {"system": system, "title": title, "signal": "prediction_distribution",
            "metric": {"name": "flag_rate", "value": 0.40, "baseline": 0.02, "threshold": 0.10},
            **extra}


def alerts(harness) -> list[Alert]:
    with harness.bot.session() as session:
        return list(session.exec(select(Alert).order_by(Alert.id)))


def inc_channels(ws):
    return [c for c in ws.channels.values() if c.name.startswith("inc-")]


async def test_alertmanager_firing_then_resolved(harness):
    status, body = await harness.post("/alerts/alertmanager", payload("alertmanager_firing.json"))
    assert status == 201 and body["alerts"][0]["outcome"] == "opened"
    await harness.settle()
    incident = harness.incident()
    assert incident.status == Status.TRIAGE and incident.severity == 1  # label severity=critical
    assert incident.title == "Fraud flag rate at 40%" and incident.system == "fraud-detector"
    # Nobody said when the impact began: the alert's own start stands for it (the review's
    # time to detect), and the incident does not claim a recorded one.
    assert incident.impact_started_at is None
    with harness.bot.session() as session:
        first = session.exec(select(Alert).where(Alert.incident_id == incident.id)).first()
    assert first.starts_at.isoformat().startswith("2026-11-27T09:58:00.123")
    ws = harness.workspace
    posted = ws.messages(incident.channel_id)
    card = next(m for m in posted if "Firing" in str(m.blocks))
    text = str(card.blocks)
    assert "flag rate 2.0% → 40.0% (threshold 10.0%)" in text
    assert "https://wiki.northwind.example/ai/fraud-detector/runbook" in text
    buttons = {e["action_id"] for b in card.blocks if b["type"] == "actions"
               for e in b["elements"]}
    assert {"incident.acknowledge", "incident.decline", "incident.set_severity"} <= buttons

    status, body = await harness.post("/alerts/alertmanager",
                                      payload("alertmanager_resolved.json"))
    assert status == 202 and body["alerts"][0]["outcome"] == "resolved"
    await harness.settle()
    assert harness.incident(incident.id).status == Status.TRIAGE  # never auto-resolved
    kinds = [e.kind for e in harness.timeline(incident.id)]
    assert kinds.count(EventKind.ALERT) == 1 and kinds.count(EventKind.ALERT_RESOLVED) == 1
    assert any("Resolved" in str(m.blocks) for m in ws.messages(incident.channel_id))


async def test_grafana_alert_maps_model_label_and_values(harness):
    status, _ = await harness.post("/alerts/grafana", payload("grafana_firing.json"))
    assert status == 201
    await harness.settle()
    incident = harness.incident()
    assert incident.system == "recommender"
    alert = alerts(harness)[0]
    assert alert.metric["value"] == 0.018 and alert.metric["name"] == "click_through_rate"
    assert alert.links["dashboard"].startswith("https://grafana.northwind.example/d/recommender")
    # CTR under the contractual floor: at least Sev2 (the policy decides, none was stated)
    assert incident.severity == 2


async def test_same_alert_five_times_is_one_incident(harness):
    body = generic(fingerprint="fp-1", started_at="2026-11-27T10:00:00Z")
    outcomes = []
    for _ in range(5):
        status, answer = await harness.post("/alerts", body)
        assert status in (201, 202)
        outcomes.append(answer["alerts"][0]["outcome"])
    await harness.settle()
    assert outcomes == ["opened"] + ["duplicate"] * 4
    assert len(harness.incidents()) == 1 and len(alerts(harness)) == 1
    assert len(inc_channels(harness.workspace)) == 1


async def test_alerts_of_one_system_join_its_incident(harness):
    await harness.post("/alerts", generic(fingerprint="a"))
    await harness.settle()
    status, _ = await harness.post("/alerts", [generic(title=f"Flag rate {i}", fingerprint=f"b{i}")
                                              for i in range(30)])
    assert status == 202
    await harness.post("/alerts", generic(system="recommender", title="CTR drop"))
    await harness.settle()
    incidents = harness.incidents()
    assert [i.system for i in incidents] == ["fraud-detector", "recommender"]
    ws = harness.workspace
    assert len(inc_channels(ws)) == 2
    fraud = incidents[0]
    kinds = [e.kind for e in harness.timeline(fraud.id)]
    assert kinds.count(EventKind.ALERT) == 31
    batch = [m for m in ws.messages(fraud.channel_id) if "30 alerts" in str(m.blocks)]
    assert len(batch) == 1 and "and 20 more" in str(batch[0].blocks)


async def test_alerts_arriving_together_share_commits(harness):
    """Group commit: forty alerts sent at once are each answered after their commit, in
    fewer transactions than alerts."""
    answers = await asyncio.gather(*(
        harness.post("/alerts", generic(title=f"Flag rate {i}", fingerprint=f"g{i}"))
        for i in range(40)
    ))
    assert sorted(status for status, _ in answers) == [201] + [202] * 39
    assert len(alerts(harness)) == 40
    sizes = harness.bot.metrics.alert_batch_size
    assert sizes._sum.get() == 40
    batches = sum(bucket.get() for bucket in sizes._buckets)
    assert batches < 40


async def test_unknown_system_opens_an_incident_flagged_not_in_catalog(harness):
    await harness.post("/alerts", generic(system="churn-model", title="Churn rate odd"))
    await harness.settle()
    incident = harness.incident()
    assert not incident.in_catalog
    summary = harness.workspace.message(harness.workspace.channels[incident.channel_id],
                                        incident.summary_ts)
    assert "not in the catalog" in str(summary.blocks)


async def test_acknowledge_button_takes_command(harness):
    await harness.post("/alerts", generic())
    await harness.settle()
    incident = harness.incident()
    ws = harness.workspace
    card = next(m for m in ws.messages(incident.channel_id) if "Firing" in str(m.blocks))
    await harness.actor.click(incident.channel_id, card.ts, "incident.acknowledge", user="U_BOB")
    await harness.settle()
    after = harness.incident(incident.id)
    assert after.commander == "U_BOB" and after.status == Status.INVESTIGATING
    assert after.acknowledged_at is not None


async def test_malformed_and_schema_errors_store_nothing(harness):
    status, body = await harness.post("/alerts", None, raw=b"{not json")
    assert status == 400 and "invalid JSON" in body["error"]
    status, body = await harness.post("/alerts", {"title": "no system"})
    assert status == 422 and "system" in body["error"]
    status, body = await harness.post("/alerts", [generic(), {"system": "x", "title": "t",
                                                             "status": "exploded"}])
    assert status == 422 and body["details"][0]["alert"] == 1
    status, body = await harness.post("/alerts/alertmanager", {"version": "4"})
    assert status == 422 and "alerts" in body["error"]
    status, body = await harness.post("/alerts", generic(severity="apocalyptic"))
    assert status == 422
    status, body = await harness.post("/alerts", None, raw=b"x" * (1024 * 1024 + 1))
    assert status == 413 and "larger than" in body["error"]
    assert alerts(harness) == [] and harness.incidents() == []


async def test_hostile_alert_text_is_escaped(harness):
    await harness.post("/alerts", generic(title="<!channel> fraud & <@U_BOB>",
                                          description="<https://evil.example|login>"))
    await harness.settle()
    incident = harness.incident()
    sent = "\n".join(str(m.blocks) + m.text for m in harness.workspace.messages(
        incident.channel_id))
    assert "<!channel>" not in sent and "<https://evil.example" not in sent
    assert "&lt;!channel&gt; fraud &amp; &lt;@U_BOB&gt;" in sent
