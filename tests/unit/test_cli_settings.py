"""Start-up failures are one clear line and exit status 2, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).parents[2]


def run_cli(*args, env=None, cwd=None):
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("SLACK_", "DATABASE_URL", "INCIDENTBOT_", "ALERT_"))}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True,
        env={**clean, **(env or {})}, cwd=cwd, timeout=60,
    )


def test_serve_without_bot_token_names_it(tmp_path):
    result = run_cli("serve", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SLACK_BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


def test_serve_in_http_mode_needs_signing_secret(tmp_path):
    result = run_cli("serve", env={"SLACK_BOT_TOKEN": "xoxb-1"}, cwd=tmp_path)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET" in result.stderr


def test_invalid_port_names_the_variable(tmp_path):
    result = run_cli("serve", env={"PORT": "not-a-port"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("incidentbot: PORT:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_broken_catalog_gives_file_line_key_and_reason(tmp_path):
    catalog = tmp_path / "incidentbot.yml"
    catalog.write_text("systems:\n  fraud-detector:\n    criticality: extreme\n")
    result = run_cli("serve", env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
                                   "INCIDENTBOT_CONFIG": str(catalog)}, cwd=tmp_path)
    assert result.returncode == 2
    message = result.stderr.strip()
    assert f"{catalog}:3: systems.fraud-detector.criticality:" in message
    assert "Traceback" not in message and len(message.splitlines()) == 1


def test_missing_catalog_file_is_named(tmp_path):
    result = run_cli("serve", env={"INCIDENTBOT_CONFIG": str(tmp_path / "nope.yml")},
                     cwd=tmp_path)
    assert result.returncode == 2 and "INCIDENTBOT_CONFIG" in result.stderr


def test_db_upgrade_builds_the_database(tmp_path):
    result = run_cli("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout
    assert (tmp_path / "x.db").exists()


def test_settings_defaults_and_socket_mode():
    settings = Settings(_env_file=None)
    assert settings.database_url == "sqlite:///./incidentbot.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 3000)
    assert settings.slack_api_url == "https://slack.com/api/"
    socket = Settings(_env_file=None, slack_bot_token="xoxb-1", slack_app_token="xapp-1")
    socket.require_slack()  # no signing secret needed in Socket Mode
    assert socket.socket_mode


def test_secrets_never_show_in_repr():
    settings = Settings(_env_file=None, slack_bot_token="xoxb-very-secret")
    assert "xoxb-very-secret" not in repr(settings)


def test_bad_api_url():
    with pytest.raises(SettingsError, match="SLACK_API_URL"):
        load_settings(_env_file=None, slack_api_url="ftp://x")
