"""The review's figures and words from a played incident: time to detect from when the impact
began, time to acknowledge to the first human response, time to mitigate to the first
successful mitigation; the business impact, the root cause form and the key events a client
reads. The bot's clock is real time plus what a test skips ahead (`clocked`)."""

import re
from datetime import timedelta

from tests.scenario.test_review import export
from tests.scenario.test_triage_checklist import answer, checklist

CTR = {"system": "recommender", "title": "Click-through on recommendations down 13%",
       "signal": "business_metric",
       "metric": {"name": "ctr", "value": 0.027, "baseline": 0.031, "threshold": 0.025}}


def figures(text: str) -> list[str]:
    row = re.search(r"\| Time to detect \| Time to acknowledge \| Time to mitigate \| Time to "
                    r"resolve \|\n\|[-|]+\|\n\| (.+) \|\n", text)
    assert row, text
    return row.group(1).split(" | ")


async def test_detect_acknowledge_and_mitigate_are_measured_as_the_readme_says(clocked, clock):
    h = clocked
    started = clock() - timedelta(minutes=12)
    status, body = await h.post("/alerts", {**CTR, "started_at": started.isoformat()})
    assert status == 201, body
    await h.settle()
    incident = h.incident()
    channel = incident.channel_id

    # Triage starts 40 s in; the commander is named 40 minutes later.
    clock.skip(seconds=40)
    await h.actor.command("/incident", "triage", channel=channel, user="U_CAROL")
    await h.settle()
    await answer(h, checklist(h.workspace, channel), incident.id, "alert", "real", "U_CAROL")
    clock.skip(minutes=40)
    await h.actor.command("/incident", "assign commander <@U_CAROL|carol>", channel=channel,
                          user="U_CAROL")
    await h.settle()

    # The rule-based fallback (no action configured for the recommender: a manual step),
    # five minutes later: the impact is contained although nobody set the status.
    clock.skip(minutes=5)
    await h.actor.command("/incident", "mitigate", channel=channel, user="U_CAROL")
    await h.settle()
    menu = [e for e in h.workspace.ephemerals_for(user="U_CAROL")
            if e.text.startswith("Mitigations for")][-1]
    await h.actor.click(channel, menu.ts, "incident.mitigate", f"{incident.id}:rules_fallback",
                        user="U_CAROL")
    await h.settle()
    assert h.incident(incident.id).status == "triage"

    detect, acknowledge, mitigate, resolve = figures(export(h, incident.id))
    assert re.fullmatch(r"12m 0[01]s", detect)  # from the alert's own start
    assert re.fullmatch(r"4[01]s", acknowledge)  # the triage answer, not the commander
    assert re.fullmatch(r"45m 4[01]s", mitigate)
    assert resolve == "not yet recorded"

    # People learn the impact began earlier than the alert: time to detect follows.
    began = started - timedelta(minutes=8)
    await h.actor.command("/incident", f"started {began:%Y-%m-%dT%H:%M:%SZ}", channel=channel,
                          user="U_CAROL")
    await h.settle()
    text = export(h, incident.id)
    assert re.fullmatch(r"20m 0[01]s", figures(text)[0])
    assert f"- Impact started: {began:%Y-%m-%d %H:%M:%S} UTC (recorded impact start)" in text
    assert any("recorded when the impact began" in m.text
               for m in h.workspace.messages(channel))


async def test_the_declare_form_records_when_the_impact_began(clocked, clock):
    h = clocked
    began = clock() - timedelta(minutes=30)
    await h.actor.command("/incident", "declare Recommendations look odd", user="U_CAROL")
    view = await h.workspace.wait_for(lambda: h.modal("U_CAROL"))
    response = await h.actor.submit_view(view.id, {
        "title": {"value": "Recommendations look odd"}, "system": {"value": "recommender"},
        "severity": {"value": "3"}, "impact_started": {"value": int(began.timestamp())}},
        user="U_CAROL")
    assert response.status == 200, response.text
    await h.settle()
    incident = h.incident()
    assert incident.impact_started_at == began.replace(microsecond=0)
    assert re.fullmatch(r"30m 0[01]s", figures(export(h, incident.id))[0])

    # A time still to come is refused in the form.
    await h.actor.command("/incident", "declare Later", user="U_CAROL")
    view = await h.workspace.wait_for(lambda: h.modal("U_CAROL"))
    response = await h.actor.submit_view(view.id, {
        "title": {"value": "Later"}, "system": {"value": "recommender"},
        "impact_started": {"value": int((clock() + timedelta(hours=1)).timestamp())}},
        user="U_CAROL")
    assert response.json["errors"]["impact_started"].startswith("The impact cannot have")


async def test_resolve_form_keeps_the_recorded_root_cause_and_the_review_and_client_read_it(
        harness):
    h, ws = harness, harness.workspace
    status, _ = await h.post("/alerts", {**CTR, "system": "fraud-detector",
                                         "title": "merchant_category null rate 38%",
                                         "signal": "pipeline",
                                         "metric": {"name": "null_rate", "value": 0.38,
                                                    "baseline": 0.002, "threshold": 0.05}})
    assert status == 201
    await h.settle()
    incident = h.incident()
    channel = incident.channel_id
    await h.actor.command("/incident", "impact 1,900 card payments were held for review.",
                          channel=channel)
    await h.actor.command("/incident", "rootcause data_pipeline No validation of the merchant "
                          "feed before scoring", channel=channel)
    await h.settle()

    await h.actor.command("/incident", "resolve", channel=channel)
    view = await ws.wait_for(lambda: h.modal("U_ALICE"))
    form = {b["block_id"]: b["element"] for b in view.payload["blocks"] if b["type"] == "input"}
    assert form["root_cause_category"]["initial_option"]["value"] == "data_pipeline"
    assert form["root_cause"]["initial_value"] == "No validation of the merchant feed before " \
        "scoring"
    await h.actor.submit_view(view.id, {"summary": {"value": "Vendor feed restored"}})
    await h.settle()
    after = h.incident(incident.id)
    assert (after.root_cause_category, after.root_cause) == (
        "data_pipeline", "No validation of the merchant feed before scoring")

    text = export(h, incident.id)
    assert "- Business impact: 1,900 card payments were held for review. Null rate 0.2% → " \
        "38.0% (threshold 5.0%) since" in text
    assert ".; " not in text
    assert "- Root cause category: Data pipeline" in text and "Proximate cause" not in text
    assert "Key events, as the client would read them:" in text
    assert re.search(r"\| The problem began: null rate 0\.2% → 38\.0% \(threshold 5\.0%\)\. \|",
                     text)
    assert "| Resolved: Vendor feed restored. |" in text

    offer = next(m for m in ws.messages(channel) if "resolved the incident" in m.text)
    await h.actor.click(channel, offer.ts, "incident.draft_notification")
    view = await ws.wait_for(lambda: h.modal("U_ALICE"))
    await h.actor.submit_view(view.id, {})
    await h.settle()
    draft = [m for m in ws.messages(channel) if "Resolution notification" in m.text][-1]
    body = str(draft.blocks)
    assert "What happened, in short:" in body
    assert re.search(r"\d\d \w{3} \d\d:\d\d UTC: The problem began", body)
    assert "UTC: Resolved: Vendor feed restored." in body
