"""Alert input that senders, proxies and attackers really send: split bodies, chunked groups,
malformed shapes, NaN, out-of-range dates, long fields. Each is stored or refused with a 4xx
naming the field; none gets a 5xx (Alertmanager retries those forever)."""

import asyncio
import json
from urllib.parse import urlsplit

import aiohttp
import pytest_asyncio
from pydantic import SecretStr

from bot.sandbox.blockkit_limits import message_block_errors
from bot.sandbox.stack import start_stack
from tests.scenario.conftest import Harness
from tests.scenario.test_alerts import alerts, generic, payload


async def raw_post(harness, path: str, parts: list[bytes], pause: float = 0.05,
                   headers: dict | None = None) -> tuple[int, dict]:
    """POST one body written to the socket in several pieces, with pauses between them."""
    url = urlsplit(harness.stack.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    body = b"".join(parts)
    head = {"Host": url.netloc, "Content-Type": "application/json",
            "Content-Length": str(len(body)), "Connection": "close", **(headers or {})}
    lines = [f"POST {path} HTTP/1.1".encode()] + [
        k.encode() + b": " + (v if isinstance(v, bytes) else v.encode()) for k, v in head.items()]
    writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
    for part in parts:
        writer.write(part)
        await writer.drain()
        await asyncio.sleep(pause)
    response = await reader.read()
    writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2])


async def chunked_post(harness, path: str, body: bytes, chunk: int = 16 * 1024):
    """POST with Transfer-Encoding: chunked (no Content-Length), as curl does from a pipe."""
    async def pieces():
        for start in range(0, len(body), chunk):
            yield body[start:start + chunk]
            await asyncio.sleep(0)

    async with aiohttp.ClientSession() as http, http.post(
        f"{harness.stack.url}{path}", data=pieces(),
        headers={"Content-Type": "application/json"},
    ) as response:
        return response.status, await response.json(content_type=None)


async def test_an_alert_written_in_several_pieces_is_stored(harness):
    body = json.dumps(generic(fingerprint="split-1")).encode()
    parts = [body[:50], body[50:120], body[120:]]
    status, answer = await raw_post(harness, "/alerts", parts)
    assert status == 201, answer
    assert [a.fingerprint for a in alerts(harness)] == ["split-1"]


def group_of(size_bytes: int, count: int = 900) -> bytes:
    """An Alertmanager group of `count` alerts, padded to about `size_bytes`."""
    group = payload("alertmanager_firing.json")
    template = group["alerts"][0]

    def build(pad: str) -> bytes:
        return json.dumps({**group, "alerts": [
            {**template, "fingerprint": f"fp-{i}",
             "annotations": {**template.get("annotations", {}), "description": pad}}
            for i in range(count)
        ]}).encode()

    bare = len(build(""))
    return build("x" * max((size_bytes - bare) // count, 0))


async def test_a_900_kb_chunked_alertmanager_group_is_stored(harness):
    body = group_of(900 * 1024)
    assert 890 * 1024 <= len(body) < 1024 * 1024
    status, answer = await chunked_post(harness, "/alerts/alertmanager", body)
    assert status == 201, answer
    assert answer["accepted"] == 900
    assert len(alerts(harness)) == 900


async def test_a_chunked_body_over_1_mb_is_413_and_stores_nothing(harness):
    status, answer = await chunked_post(harness, "/alerts/alertmanager", group_of(1100 * 1024))
    assert status == 413 and "larger than" in answer["error"]
    assert alerts(harness) == []


async def test_json_nested_100000_deep_is_400(harness):
    status, answer = await harness.post("/alerts", None, raw=b"[" * 100_000)
    assert status == 400 and "nested too deeply" in answer["error"]


async def test_shapes_that_are_not_objects_are_422_naming_the_field(harness):
    group = payload("alertmanager_firing.json")
    for field, bad in [("commonLabels", "critical"), ("commonAnnotations", [1, 2])]:
        status, answer = await harness.post("/alerts/alertmanager", {**group, field: bad})
        assert status == 422 and answer["error"].startswith(field), answer
    entry = {**group["alerts"][0], "labels": ["system", "fraud-detector"]}
    status, answer = await harness.post("/alerts/alertmanager", {**group, "alerts": [entry]})
    assert status == 422 and answer["error"].startswith("alerts.0.labels"), answer
    grafana = payload("grafana_firing.json")
    entry = {**grafana["alerts"][0], "values": 0.41}
    status, answer = await harness.post("/alerts/grafana", {**grafana, "alerts": [entry]})
    assert status == 422 and "values" in answer["error"], answer
    status, answer = await harness.post("/alerts", generic(labels="team=ml"))
    assert status == 422 and answer["details"][0]["field"] == "alerts[0].labels", answer
    assert alerts(harness) == []


async def test_nan_from_prometheus_keeps_the_alert_with_an_unknown_value(harness):
    group = payload("alertmanager_firing.json")
    entry = group["alerts"][0]
    entry = {**entry, "annotations": {**entry["annotations"], "value": "NaN"}}
    status, answer = await harness.post("/alerts/alertmanager", {**group, "alerts": [entry]})
    assert status == 201, answer
    await harness.settle()
    [stored] = alerts(harness)
    assert stored.metric["value"] is None
    incident = harness.incident()
    assert any("Firing" in str(m.blocks) for m in harness.workspace.messages(incident.channel_id))


async def test_a_start_time_that_overflows_utc_is_422(harness):
    status, answer = await harness.post(
        "/alerts", generic(started_at="9999-12-31T23:59:59-23:59"))
    assert status == 422 and answer["details"][0]["field"] == "alerts[0].started_at", answer
    assert alerts(harness) == []


async def test_long_fields_are_capped_so_the_alert_card_is_shown(harness):
    long = generic(title="T" * 2000, description="&" * 9000,
                   links={f"l{i}": "https://example.com/" + "p" * 900 for i in range(20)})
    long["metric"]["name"] = "m" * 2100
    status, answer = await harness.post("/alerts", long)
    assert status == 201, answer
    await harness.settle()
    incident = harness.incident()
    posted = [c for c in harness.workspace.calls if c.method == "chat.postMessage"
              and c.params.get("channel") == incident.channel_id]
    assert posted and all(message_block_errors(c.params.get("blocks") or []) == [] for c in posted)
    card = next(m for m in harness.workspace.messages(incident.channel_id)
                if "Firing" in str(m.blocks))
    assert "m" * 90 in str(card.blocks)  # the metric is there, cut short


async def test_an_alert_without_a_start_is_the_same_alert_when_sent_again(harness):
    first = generic(fingerprint="no-start")
    status, _ = await harness.post("/alerts", first)
    assert status == 201
    await asyncio.sleep(0.01)
    status, answer = await harness.post("/alerts", first)
    assert status == 202 and answer["alerts"][0]["outcome"] == "duplicate"
    status, answer = await harness.post("/alerts", {**first, "status": "resolved"})
    assert answer["alerts"][0]["outcome"] == "resolved"
    status, answer = await harness.post("/alerts", first)  # firing again: a new alert
    assert answer["alerts"][0]["outcome"] != "duplicate"
    assert len(alerts(harness)) == 3


async def test_a_browser_post_from_another_site_is_refused_without_a_token(harness):
    body = json.dumps(generic(fingerprint="csrf")).encode()
    status, answer = await raw_post(harness, "/alerts", [body], headers={
        "Origin": "https://evil.example", "Content-Type": "text/plain"})
    assert status == 415 and "application/json" in answer["error"]
    assert alerts(harness) == []
    status, _ = await raw_post(harness, "/alerts", [body])  # a sender: no Origin
    assert status == 201


@pytest_asyncio.fixture
async def guarded(settings, catalog):
    stack = await start_stack(
        settings.model_copy(update={"alert_webhook_token": SecretStr("tok")}), catalog)
    yield Harness(stack)
    await stack.close()


async def test_a_bearer_token_that_is_not_utf8_is_refused_not_a_crash(guarded):
    body = json.dumps(generic()).encode()
    status, answer = await raw_post(guarded, "/alerts", [body],
                                    headers={"Authorization": b"Bearer \xff\xfe"})
    assert status == 403 and "wrong bearer token" in answer["error"]
    assert alerts(guarded) == []
