"""Scenario fixtures: the real bot and the project's Slack-compatible workspace on loopback."""

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from sqlmodel import select

from bot.sandbox.stack import start_stack
from bot.settings import Settings
from bot.slack.mrkdwn import GUARD_LOG
from incidents.catalog import load_catalog
from incidents.models import Incident, Outbox, TimelineEvent, utcnow

EXAMPLE = Path(__file__).parents[2] / "examples" / "incidentbot.yml"


@pytest.fixture(autouse=True)
def every_text_escaped_by_its_builder(caplog):
    """The broadcast guard (bot/slack/mrkdwn.py) keeps `<!channel>` from ever reaching
    Slack; when it has to, a builder or reply let user, alert or catalog text through
    unescaped. Any scenario that makes it step in fails, naming the Web API method."""
    yield
    stepped_in = [r.getMessage() for r in caplog.records if r.name == GUARD_LOG]
    assert not stepped_in, f"unescaped text reached the Slack boundary: {stepped_in}"


@pytest.fixture(scope="session")
def catalog():
    """The example catalog without its drift monitors: these tests jump the clock by
    minutes, which would start the monitors' analyses in worker threads in the middle of a
    test (and its teardown waits for them). test_drift.py runs monitors on purpose.
    Without the model registry either: the example's registry is a `.example` host only
    the sandbox answers, and the tests of the registry and of the evidence it preserves
    point it at one (test_registry.py). The obligations stay (test_regulatory.py)."""
    return without_ai_context(load_catalog(EXAMPLE), monitors=False, obligations=True)


def without_ai_context(catalog, *, monitors: bool = True, obligations: bool = False):
    """`catalog` with no system naming a model registry, nor (unless `obligations`)
    reporting obligations, nor (unless `monitors`) drift monitors."""
    kept = {"model": None, **({} if obligations else {"obligations": None}),
            **({} if monitors else {"monitors": []})}
    systems = {key: system.model_copy(update=kept) for key, system in catalog.systems.items()}
    return catalog.model_copy(update={"systems": systems})


@pytest.fixture
def settings(database_url):
    return Settings(
        _env_file=None,
        slack_bot_token="xoxb-placeholder",
        slack_signing_secret="placeholder",
        database_url=database_url,
    )


class Harness:
    def __init__(self, stack):
        self.stack = stack
        self.workspace = stack.workspace
        self.actor = stack.actor
        self.bot = stack.bot

    async def settle(self, quiet: float = 0.15, limit: float = 10.0) -> None:
        """Wait until listeners and the outbox have finished: nothing due, Slack quiet."""
        deadline = time.monotonic() + limit
        last = -1
        while time.monotonic() < deadline:
            await self.stack.drain()
            calls = len(self.workspace.calls)
            if calls == last and not self.due():
                return
            last = calls
            await asyncio.sleep(quiet)
        raise TimeoutError(f"still busy after {limit}s: {self.due()} outbox items due")

    def due(self) -> int:
        with self.bot.session() as session:
            rows = session.exec(select(Outbox).where(Outbox.done_at == None)).all()  # noqa: E711
        now = self.bot.now()
        return sum(1 for row in rows if row.next_attempt_at <= now)

    def incidents(self) -> list[Incident]:
        with self.bot.session() as session:
            return list(session.exec(select(Incident).order_by(Incident.id)))

    def incident(self, incident_id: int | None = None) -> Incident:
        found = self.incidents()
        return found[-1] if incident_id is None else next(i for i in found if i.id == incident_id)

    def timeline(self, incident_id: int) -> list[TimelineEvent]:
        with self.bot.session() as session:
            return list(session.exec(
                select(TimelineEvent).where(TimelineEvent.incident_id == incident_id)
                .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
            ))

    async def post(self, path: str, body, *, token: str | None = None, raw: bytes | None = None):
        """POST to the bot's HTTP server; returns (status, parsed JSON)."""
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else json.dumps(body).encode()
        async with aiohttp.ClientSession() as http, http.post(
            f"{self.stack.url}{path}", data=data, headers=headers
        ) as response:
            return response.status, await response.json(content_type=None)

    def modal(self, user: str = "U_ALICE"):
        return self.workspace.open_modal(user)

    async def declare(self, title="Fraud flag rate 40%", system="fraud-detector", severity="2",
                      user="U_ALICE", description="", private=False) -> Incident:
        await self.actor.command("/incident", f"declare {title}", user=user)
        view = await self.workspace.wait_for(lambda: self.modal(user))
        values = {"title": {"value": title}, "system": {"value": system},
                  "severity": {"value": severity}}
        if description:
            values["description"] = {"value": description}
        if private:
            values["private"] = {"value": ["private"]}
        response = await self.actor.submit_view(view.id, values, user=user)
        assert response.status == 200, response.text
        offer = self.modal(user)
        if offer is not None and offer.payload.get("callback_id") == "incident.declare_open_one":
            # The system has an open incident already: these tests mean a separate one.
            response = await self.actor.submit_view(
                offer.id, {"separate": {"value": ["separate"]}}, user=user)
            assert response.status == 200, response.text
        await self.settle()
        return self.incident()


@pytest_asyncio.fixture
async def harness(settings, catalog):
    stack = await start_stack(settings, catalog)
    yield Harness(stack)
    await stack.close()


class Clock:
    """Real time, plus whatever a test skipped ahead."""

    def __init__(self) -> None:
        self.skipped = timedelta(0)

    def __call__(self):
        return utcnow() + self.skipped

    def skip(self, **delta: float) -> None:
        self.skipped += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest_asyncio.fixture
async def clocked(settings, catalog, clock):
    """The harness on a clock a test can skip ahead."""
    stack = await start_stack(settings, catalog, clock=clock)
    yield Harness(stack)
    await stack.close()
@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    """A real `mlflow server` (SQLite store) for the whole session; the tests register their
    own models in it, each under its own name."""
    from tests.mlflow_server import missing, running_server

    problem = missing()
    if problem is not None:
        pytest.fail(f"the registry tests need a real MLflow server: {problem}", pytrace=False)
    with running_server(tmp_path_factory.mktemp("mlflow")) as server:
        yield server


@pytest_asyncio.fixture
async def receiver():
    """An ML-ops endpoint stand-in on loopback (test_triage_mitigation_actions.Receiver)."""
    from tests.scenario.test_triage_mitigation_actions import Receiver

    server = Receiver()
    await server.start()
    yield server
    await server.close()
