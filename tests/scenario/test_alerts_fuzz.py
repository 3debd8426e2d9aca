"""Property-based fuzzing of the three alert endpoints with mutated real payloads.

Whatever a broken exporter or an attacker sends: never a 5xx (Alertmanager retries a 5xx
forever, holding back the whole group), every refusal a 4xx with a JSON error that names the
field, and no text from the payload reaches Slack unescaped. benchmarks/fuzz_alerts.py runs
the same kind of mutations 10,000 times per endpoint and prints the counts."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sandbox.stack import start_stack
from bot.settings import Settings
from tests.databases import fresh_database

DATA = Path(__file__).parents[1] / "data"
MARKERS = ("<!channel>", "<@UEVIL>", "<https://evil.example|click>")
HOSTILE = [*MARKERS, "NaN", "Infinity", "-1e309", "9999-12-31T23:59:59-23:59",
           "0001-01-01T00:00:00Z", "x" * 3000, "\ud800", "", " ", "sev9", "critical",
           "resolved", "fraud-detector", "&amp;<>"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.just(10**400) | st.floats(allow_nan=True)
    | st.sampled_from(HOSTILE) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=8,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replace(value, path, new, delete: bool):
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    if delete and not rest:
        del copy[head]
        return copy
    copy[head] = _replace(copy[head], rest, new, delete)
    return copy


@st.composite
def mutated(draw, base):
    payload = base
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(payload))
        path = draw(st.sampled_from(paths))
        delete = bool(path) and draw(st.booleans()) and draw(st.booleans())
        payload = _replace(payload, path, draw(json_values), delete)
    return payload


def base_payloads() -> dict[str, dict | list]:
    generic = {"system": "fraud-detector", "title": "Fraud flag rate 40%",
               "signal": "prediction_distribution", "severity": "sev2",
               "started_at": "2026-11-27T10:00:00Z", "description": "spike",
               "metric": {"name": "flag_rate", "value": 0.40, "baseline": 0.02,
                          "threshold": 0.10},
               "links": {"dashboard": "https://grafana.example/d/1"}, "labels": {"team": "ml"}}
    return {
        "/alerts": generic,
        "/alerts/alertmanager": json.loads((DATA / "alertmanager_firing.json").read_text()),
        "/alerts/grafana": json.loads((DATA / "grafana_firing.json").read_text()),
    }


class Live:
    """The bot and its workspace on a loop of their own, so hypothesis can drive them with
    plain blocking requests."""

    def __init__(self, database_url: str, catalog) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        config = Settings(_env_file=None, slack_bot_token="xoxb-placeholder",
                          slack_signing_secret="placeholder",
                          database_url=database_url)
        self.stack = self.run(start_stack(config, catalog))
        self.url = urlsplit(self.stack.url)

    def run(self, coro, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def post(self, path: str, payload) -> tuple[int, dict]:
        body = json.dumps(payload).encode("utf-8", "surrogatepass")
        connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=30)
        connection.request("POST", path, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = json.loads(response.read())
        connection.close()
        return response.status, answer

    def close(self) -> None:
        self.run(self.stack.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def live(tmp_path_factory, catalog):
    with fresh_database(tmp_path_factory.mktemp("fuzz")) as url:
        served = Live(url, catalog)
        yield served
        served.close()


def _check(status: int, answer: dict) -> None:
    assert status < 500, answer
    if status >= 400:
        assert isinstance(answer.get("error"), str) and answer["error"], answer
    if status == 422 and "details" in answer:
        assert all(detail.get("field") for detail in answer["details"]), answer


FUZZ = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("path", list(base_payloads()))
def test_mutated_payloads_never_get_a_5xx(live, path):
    @FUZZ
    @given(mutated(base_payloads()[path]))
    def check(payload):
        _check(*live.post(path, payload))

    check()


def test_nothing_from_the_payloads_reaches_slack_unescaped(live):
    for marker in MARKERS:  # each in every field that is shown, opening a Sev1 incident
        status, answer = live.post("/alerts", {
            "system": marker, "title": marker, "description": marker, "signal": "performance",
            "severity": "sev1", "metric": {"name": marker, "value": 0.5},
            "links": {"dashboard": marker}, "labels": {"x": marker}})
        assert status in (201, 202), answer

    async def settle():
        for _ in range(50):
            if not await live.stack.drain():
                break
            await asyncio.sleep(0.05)

    live.run(settle())
    sent = json.dumps([call.params for call in live.stack.workspace.calls], ensure_ascii=False)
    for marker in MARKERS:
        assert marker not in sent, f"{marker!r} reached Slack unescaped"
