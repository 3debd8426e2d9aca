import re
from datetime import UTC, datetime

import pytest

from bot.slack.channel_names import MAX_CHANNEL_NAME, channel_name, slugify
from incidents.lifecycle.rules import refusal
from incidents.types import Status

WHEN = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
VALID = re.compile(r"^[a-z0-9_-]{1,80}$")


def test_channel_name_format():
    name = channel_name(incident_id=42, title="Fraud flag rate 40%!", created_at=WHEN)
    assert name == "inc-20261127-42-fraud-flag-rate-40"


def test_channel_name_is_valid_for_any_title():
    for title in ["<!channel> & <@U1>", "Ünïcödé Ärger", "x" * 300, "", "---", "日本語"]:
        name = channel_name(incident_id=7, title=title, created_at=WHEN)
        assert VALID.match(name), name
        assert len(name) <= MAX_CHANNEL_NAME


def test_suffix_after_name_taken_keeps_length_limit():
    name = channel_name(incident_id=7, title="y" * 200, created_at=WHEN, attempt=12)
    assert name.endswith("-12") and len(name) <= MAX_CHANNEL_NAME


def test_drill_is_in_the_name():
    assert "-drill-" in channel_name(incident_id=3, title="t", created_at=WHEN, drill=True)


def test_slugify():
    assert slugify("Model v2 — Drift!") == "model-v2-drift"


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (Status.TRIAGE, Status.INVESTIGATING, True),
        (Status.INVESTIGATING, Status.MITIGATED, True),
        (Status.MITIGATED, Status.INVESTIGATING, True),
        (Status.RESOLVED, Status.CLOSED, True),
        (Status.RESOLVED, Status.INVESTIGATING, True),
        (Status.TRIAGE, Status.CLOSED, False),
        (Status.CLOSED, Status.TRIAGE, False),
        (Status.MERGED, Status.INVESTIGATING, False),
        (Status.MITIGATED, Status.DECLINED, False),
        (Status.TRIAGE, Status.TRIAGE, False),
    ],
)
def test_transitions(current, target, allowed):
    assert (refusal(current, target) is None) == allowed


def test_refusal_explains_itself():
    assert "can move to" in refusal(Status.TRIAGE, Status.CLOSED)
    assert "no longer" in refusal(Status.CLOSED, Status.TRIAGE)
