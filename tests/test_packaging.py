"""`pip install .` (not only editable) ships the templates, the manifest and the example."""

from importlib import metadata

import pytest


def installed_files() -> set[str]:
    try:
        files = metadata.files("incidentbot") or []
    except metadata.PackageNotFoundError:
        pytest.skip("incidentbot is not installed; the README's test command installs it")
    names = {str(f) for f in files}
    if not any(name.startswith("incidents/") for name in names):
        pytest.skip("editable install: package data is read from the source tree")
    return names


def test_wheel_ships_data_files():
    names = installed_files()
    assert "bot/manifest.yml" in names
    assert "bot/examples/incidentbot.yml" in names
    assert any(n.startswith("incidents/templates/") and n.endswith(".j2") for n in names)
    assert any(n.startswith("bot/migrations/versions/") for n in names)
    assert "bot/migrations/script.py.mako" in names
    assert {"bot/sandbox/static/index.html", "bot/sandbox/static/app.js",
            "bot/sandbox/static/app.css"} <= names  # the sandbox page


def test_console_script_is_declared():
    entry = [e for e in metadata.entry_points(group="console_scripts") if e.name == "incidentbot"]
    if not entry:
        pytest.skip("incidentbot is not installed")
    assert entry[0].value == "bot.cli:main"
