"""The model registry's outbox work: reading the serving version when an incident opens,
moving the alias for a rollback or its undo (bot/registry_work.py), and uploading the
evidence preserved before a change."""

from __future__ import annotations

from bot.registry_work import carry_out_change, read_for_incident, upload_evidence
from incidents.outbox import Kind

HANDLERS = {
    Kind.REGISTRY_READ: read_for_incident,
    Kind.MODEL_CHANGE: carry_out_change,
    Kind.EVIDENCE_UPLOAD: upload_evidence,
}
