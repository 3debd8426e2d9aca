"""The bot's work with the model registry, done by whichever replica claims its outbox row:
reading the serving version when an incident opens, and moving the alias for a rollback
or its undo — preserving the evidence first when the system's obligations ask for it.

Each step is stored before the next: the snapshot is committed before the registry is
asked to change anything, and a move is recorded with what the registry said just before.
A move that fails is recorded and offered again (Retry), never repeated behind a person's
back; a delivery taken over after a replica died finds the alias already moved and says so.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlmodel import select

from bot.container import Runtime
from bot.outbound.registry import MlflowRegistry, RegistryError, host_of
from bot.slack.deliveries.posting import channel_of
from bot.slack.mrkdwn import escape
from incidents.catalog.models import System
from incidents.models import Incident, Outbox, TimelineEvent
from incidents.outbox import Kind
from incidents.registry import policy as registry
from incidents.registry import record as registry_record
from incidents.registry.models import ModelChange
from incidents.regulatory import evidence
from incidents.regulatory.models import EvidenceSnapshot
from incidents.triage.mitigation import CallResult, Mitigation
from incidents.types import EventKind

log = logging.getLogger(__name__)


def bot_actor(runtime: Runtime) -> str:
    """Who the timeline names for what the bot did by itself: its Slack user when known."""
    return runtime.bot_user_id or "incidentbot"


async def read_for_incident(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        incident = session.get(Incident, item.payload["incident"])
    system = runtime.catalog.systems.get(incident.system) if incident else None
    if system is None or system.model is None:
        return
    state, error = await read_state(runtime, system)
    with runtime.session() as session:
        registry_record.record_read(
            session, incident=session.get(Incident, incident.id), model=system.model,
            state=state, error=error, window=runtime.catalog.policy.recent_model_promotion,
            actor=bot_actor(runtime), now=runtime.now())


async def read_state(
    runtime: Runtime, system: System,
) -> tuple[registry.RegistryState | None, str | None]:
    try:
        return await MlflowRegistry(system.model).read(runtime.now()), None
    except RegistryError as exc:
        log.warning("model registry %s: %s", host_of(system.model), exc)
        return None, str(exc)


async def preserve_before(runtime: Runtime, *, incident_id: int, system: System, before: str,
                          actor: str | None,
                          state: registry.RegistryState | None = None,
                          error: str | None = None, change_id: int | None = None,
                          runbook: str | None = None) -> None:
    """Store the evidence file (committed when this returns); the registry is read here
    unless the caller just read it."""
    if system.model is not None and state is None and error is None:
        state, error = await read_state(runtime, system)
    if system.model is None:
        found: dict = {"configured": False}
    elif state is None:
        found = {"error": error}
    else:
        found = state.to_dict()
    with runtime.session() as session:
        incident = session.get(Incident, incident_id)
        content = evidence.document(
            incident=incident, before=before, taken_at=runtime.now(), taken_by=actor,
            registry=found, drift=evidence.latest_drift(session, incident_id),
            alerts=evidence.alerts_of(session, incident_id),
            entry=evidence.catalog_entry(incident.system, system))
        if change_id is not None:
            content["model_change"] = change_id
        evidence.preserve(session, incident=incident, content=content, before=before,
                          actor=actor, now=runtime.now(), change=change_id, runbook=runbook)


def _preserved_for(runtime: Runtime, incident_id: int, change_id: int) -> bool:
    """Already preserved for this change: a delivery taken over after a crash."""
    with runtime.session() as session:
        events = session.exec(select(TimelineEvent).where(
            TimelineEvent.incident_id == incident_id,
            TimelineEvent.kind == EventKind.EVIDENCE_PRESERVED)).all()
    return any((e.data or {}).get("change") == change_id for e in events)


async def carry_out_change(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        change = session.get(ModelChange, item.payload["change"])
        incident = session.get(Incident, change.incident_id) if change else None
    if change is None or change.state != "requested":
        return  # finished by an earlier delivery
    system = runtime.catalog.systems.get(incident.system)
    model = system.model if system else None
    host = host_of(model) if model else "the registry"
    state: registry.RegistryState | None = None
    if model is None:
        result = CallResult(False, None, "the catalog no longer names a model registry for "
                                         "this system; nothing was changed", host)
    else:
        client = MlflowRegistry(model)
        state, error = await read_state(runtime, system)
        kind = Mitigation.ROLLBACK if change.kind == registry_record.ROLLBACK else None
        if evidence.required(system, kind) and not _preserved_for(runtime, incident.id, change.id):
            await preserve_before(
                runtime, incident_id=incident.id, system=system, actor=change.requested_by,
                before=registry_record.describe_change(
                    change, state.serving if state else None),
                state=state, error=error, change_id=change.id)
        result, state = await _move(runtime, client, change, state, error)
    with runtime.session() as session:
        stored = session.get(ModelChange, change.id)
        registry_record.finish_change(
            session, change=stored, result=result, state=state,
            from_version=_from(state, change), now=runtime.now())


def _from(state: registry.RegistryState | None, change: ModelChange) -> int | None:
    """What the alias pointed at before the move: read just before it, else as shown."""
    if state is not None and state.serving is not None and state.serving != change.to_version:
        return state.serving
    return change.from_version


async def _move(runtime: Runtime, client: MlflowRegistry, change: ModelChange,
                state: registry.RegistryState | None,
                error: str | None) -> tuple[CallResult, registry.RegistryState | None]:
    host = client.host
    if state is None:
        return CallResult(False, None, f"the registry could not be read ({error}); nothing "
                                       "was changed", host), None
    if state.version(change.to_version) is None:
        return CallResult(False, None, f"{change.model_name} has no version "
                                       f"{change.to_version}; nothing was changed", host), state
    now = runtime.now()
    if state.serving == change.to_version:
        return CallResult(True, None, f"{change.alias} already pointed at "
                                      f"v{change.to_version}", host), state
    try:
        await client.move_alias(change.to_version, now=now)
    except RegistryError as exc:
        return CallResult(False, None, str(exc), host), state
    moved = tuple(replace(v, promoted_at=now) if v.number == change.to_version else v
                  for v in state.versions)
    after = replace(state, serving=change.to_version, versions=moved, read_at=now)
    return CallResult(True, 200, "alias moved, HTTP 200", host), after


async def upload_evidence(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        snapshot = session.get(EvidenceSnapshot, item.payload["snapshot"])
        incident = session.get(Incident, item.incident_id)
    if snapshot is None or snapshot.file_id:
        return  # uploaded by an earlier delivery
    # A failure raises: the outbox retries the upload; the snapshot itself is stored.
    response = await runtime.client.files_upload_v2(
        channel=channel_of(incident), content=snapshot.document.encode(),
        filename=snapshot.filename, title=f"Evidence preserved before: {snapshot.before}",
        initial_comment=escape(
            f":lock: Evidence preserved ({evidence.ARTICLE}) before: {snapshot.before}. "
            f"{evidence.summary_text(snapshot.summary, snapshot.sha256)}"))
    files = response.get("files") or [response.get("file") or {}]
    with runtime.session() as session:
        session.get(EvidenceSnapshot, snapshot.id).file_id = files[0].get("id") or "uploaded"


HANDLERS = {
    Kind.REGISTRY_READ: read_for_incident,
    Kind.MODEL_CHANGE: carry_out_change,
    Kind.EVIDENCE_UPLOAD: upload_evidence,
}
