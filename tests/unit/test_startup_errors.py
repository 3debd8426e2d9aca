"""Start-up refuses a hostile or broken catalog or database URL with one line, quickly, and
without repeating credentials."""

import pytest

from bot.settings import SettingsError, load_settings
from incidents.catalog import CatalogError, load_catalog
from tests.unit.test_cli_settings import run_cli

BOMB = "".join(
    [f"l0: &l0 [{', '.join(['lol'] * 9)}]\n"]
    + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)]
)


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path):
    path = tmp_path / "bomb.yml"
    path.write_text(BOMB)
    assert len(BOMB) < 600
    with pytest.raises(CatalogError, match="alias bomb"):
        load_catalog(path)


def test_anchors_a_real_catalog_uses_still_work(tmp_path):
    path = tmp_path / "ok.yml"
    path.write_text("clients:\n  acme: &client {name: Acme}\n  acme2: *client\n")
    assert load_catalog(path).clients["acme2"].name == "Acme"


def test_nesting_50000_deep_is_one_line(tmp_path):
    path = tmp_path / "deep.yml"
    path.write_text("systems: " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(CatalogError, match="nested too deeply"):
        load_catalog(path)


def test_an_invalid_url_is_named_without_its_credentials(tmp_path):
    path = tmp_path / "url.yml"
    path.write_text("systems:\n  s1:\n    dashboard: 'ftp://admin:hunter2@grafana.example/d'\n")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert "hunter2" not in str(caught.value) and "admin" not in str(caught.value)
    assert "systems.s1.dashboard" in str(caught.value)


@pytest.mark.parametrize(("url", "says"), [
    ("postgresql+nosuchdriver://u:pw@db/x", "no database driver"),
    ("sqlite:///./no-such-folder/x.db", "does not exist"),
    ("not a url", "not a database URL"),
])
def test_an_unusable_database_url_is_one_line_naming_it(url, says):
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, database_url=url)
    message = str(caught.value)
    assert message.startswith("DATABASE_URL: ") and says in message and "pw" not in message


def test_serve_with_a_database_folder_missing_exits_2_with_one_line(tmp_path):
    result = run_cli("serve", cwd=tmp_path, env={
        "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
        "DATABASE_URL": "sqlite:///./missing/incidentbot.db"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DATABASE_URL" in lines[0]


def test_serve_with_a_database_that_refuses_exits_2_with_one_line(tmp_path):
    pytest.importorskip("psycopg")
    result = run_cli("serve", cwd=tmp_path, env={
        "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
        "DATABASE_URL": "postgresql+psycopg://bot:secret-pw@127.0.0.1:1/incidentbot"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "DATABASE_URL: cannot use the database" in result.stderr
    assert "secret-pw" not in result.stderr
