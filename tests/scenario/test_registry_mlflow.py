"""The bot's MLflow client (bot/outbound/registry.py) against a real `mlflow server`: reading the
alias's version and the model's versions, moving the alias, tagging the promotion time,
errors without secrets; and a rollback clicked in Slack that moves the real alias."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from bot.outbound.registry import MlflowRegistry, RegistryError
from incidents.catalog.ai import ModelRegistry
from incidents.registry.policy import promoted_tag
from incidents.types import EventKind
from tests.scenario.conftest import EXAMPLE, without_ai_context
from tests.scenario.test_registry import open_rollback_form, submit_version

TOKEN = "mlf-7c1d9e2a4b6f"  # the value of ${MLFLOW_TEST_TOKEN}


def fresh_name() -> str:
    return f"fraud-{uuid.uuid4().hex[:8]}"


def model(server, name: str, **more) -> ModelRegistry:
    return ModelRegistry(tracking_uri=server.url, name=name, **more)


async def test_reads_the_alias_version_and_every_version(mlflow_server):
    name = fresh_name()
    mlflow_server.register(name, 3)
    now = datetime.now(UTC)

    state = await MlflowRegistry(model(mlflow_server, name)).read(now)

    assert state.serving == 3 and state.alias == "champion" and state.name == name
    assert [v.number for v in state.versions] == [3, 2, 1]
    assert all(v.registered_at is not None and v.promoted_at is None for v in state.versions)
    assert abs((state.version(3).registered_at - now).total_seconds()) < 120
    assert state.version(1).description == f"version 1 of {name}"


async def test_moves_the_alias_and_tags_when_it_did(mlflow_server):
    name = fresh_name()
    mlflow_server.register(name, 3)
    client = MlflowRegistry(model(mlflow_server, name))
    moved_at = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)

    await client.move_alias(2, now=moved_at)

    served = mlflow_server.alias(name)
    assert served["version"] == "2"
    tags = {t["key"]: t["value"] for t in served.get("tags", [])}
    assert tags[promoted_tag("champion")] == "2026-12-06T09:30:00Z"
    state = await client.read(datetime.now(UTC))
    assert state.serving == 2 and state.version(2).promoted_at == moved_at


async def test_an_unset_alias_is_no_serving_version(mlflow_server):
    name = fresh_name()
    mlflow_server.register(name, 1)

    state = await MlflowRegistry(model(mlflow_server, name, alias="challenger")).read(
        datetime.now(UTC))

    assert state.serving is None and [v.number for v in state.versions] == [1]


async def test_errors_name_the_host_and_never_the_credential(mlflow_server, monkeypatch):
    monkeypatch.setenv("MLFLOW_TEST_TOKEN", TOKEN)
    client = MlflowRegistry(model(mlflow_server, "no-such-model",
                                  headers={"Authorization": "Bearer ${MLFLOW_TEST_TOKEN}"}))
    with pytest.raises(RegistryError) as failed:
        await client.read(datetime.now(UTC))
    assert "127.0.0.1" in str(failed.value) and "not found" in str(failed.value)
    assert TOKEN not in str(failed.value)

    monkeypatch.delenv("MLFLOW_TEST_TOKEN")
    with pytest.raises(RegistryError, match="MLFLOW_TEST_TOKEN, which is not set"):
        await client.read(datetime.now(UTC))

    name = fresh_name()
    mlflow_server.register(name, 1)
    with pytest.raises(RegistryError, match="not found"):
        await MlflowRegistry(model(mlflow_server, name)).move_alias(7, now=datetime.now(UTC))
    assert mlflow_server.alias(name)["version"] == "1"


@pytest.fixture
def catalog(mlflow_server):
    """The example catalog with the fraud detector's model in the real MLflow server."""
    from incidents.catalog import load_catalog

    name = fresh_name()
    mlflow_server.register(name, 3)
    example = without_ai_context(load_catalog(EXAMPLE), monitors=False).model_copy(deep=True)
    fraud = example.systems["fraud-detector"]
    fraud.model = model(mlflow_server, name)
    fraud.actions = {}
    return example


async def test_a_rollback_clicked_in_slack_moves_the_real_alias(harness, mlflow_server, catalog):
    name = catalog.systems["fraud-detector"].model.name
    incident = await harness.declare()
    serving = [e for e in harness.timeline(incident.id) if e.kind == EventKind.MODEL_VERSION]
    assert serving and serving[0].data["registry"]["serving"] == 3

    form = await open_rollback_form(harness, incident)
    await submit_version(harness, form, 1)

    assert mlflow_server.alias(name)["version"] == "1"
    (event,) = [e for e in harness.timeline(incident.id) if e.kind == EventKind.MITIGATION]
    assert event.data["ok"] is True
    assert (event.data["parameters"]["from_version"], event.data["parameters"]["to_version"]) \
        == (3, 1)
