import json
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).parents[2]
# Slack's published schema (with its licence), copied from shared/ so a lone clone can test.
SCHEMA = ROOT / "tests" / "data" / "slack-manifest-schema" / "manifest.schema.1.0.0.json"


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_validates_against_slacks_schema():
    jsonschema.validate(manifest(), json.loads(SCHEMA.read_text()))


def test_manifest_declares_what_the_bot_uses():
    data = manifest()
    assert [c["command"] for c in data["features"]["slash_commands"]] == ["/incident"]
    shortcut = data["features"]["shortcuts"][0]
    assert shortcut["name"] == "Add to incident timeline"
    assert shortcut["callback_id"] == "add_to_incident_timeline"
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["socket_mode_enabled"] is True
    assert {"reaction_added", "pin_added"} <= set(data["settings"]["event_subscriptions"]
                                                   ["bot_events"])


def test_shortcut_callback_matches_the_listener():
    from bot.slack.ids import Shortcut

    assert manifest()["features"]["shortcuts"][0]["callback_id"] == Shortcut.ADD_TO_TIMELINE
