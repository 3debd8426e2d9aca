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
    assert "incidents/regulatory/clocks.yml" in names  # the law's durations, as data
    assert "incidents/templates/regulatory/gdpr_breach_notification.md.j2" in names
    assert any(n.startswith("bot/migrations/versions/") for n in names)
    assert "bot/migrations/script.py.mako" in names
    page = {f"bot/sandbox/static/{name}" for name in (
        "index.html", "app.css", "app.js", "state.js", "people.js", "mrkdwn.js", "blocks.js",
        "forms.js", "channels.js", "composer.js")}
    assert page <= names  # the sandbox page and each of its modules


def test_console_script_is_declared():
    entry = [e for e in metadata.entry_points(group="console_scripts") if e.name == "incidentbot"]
    if not entry:
        pytest.skip("incidentbot is not installed")
    assert entry[0].value == "bot.cli:main"


# --- the example scenario from a built wheel --------------------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory):
    """The wheel `pip install .` would install, unpacked: its files are what users get."""
    import subprocess
    import sys
    import zipfile

    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT),
                            "-w", str(out)], capture_output=True, text=True, timeout=300)
    if built.returncode != 0:
        pytest.skip(f"cannot build the wheel here: {built.stderr.strip()[-300:]}")
    (wheel,) = out.glob("incidentbot-*.whl")
    target = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def test_wheel_ships_every_data_file_the_example_catalog_names(unpacked_wheel):
    from incidents.catalog import load_catalog

    catalog = load_catalog(unpacked_wheel / "bot" / "examples" / "incidentbot.yml")
    for key, system in catalog.systems.items():
        if system.data is None:
            continue
        assert system.data.reference.is_file(), key
        assert system.data.current_query is None, key  # the examples need no database
        assert list(unpacked_wheel.glob(str(__import__("pathlib").Path(system.data.current)
                                            .relative_to(unpacked_wheel)))), key


def test_default_scenario_drift_runs_from_the_wheel(unpacked_wheel, tmp_path):
    # The sandbox's default alert and the data-drift drill are about the recommender:
    # `/incident drift` there must find its data in the installed package.
    import json
    import os
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import json
        from datetime import UTC, datetime
        import bot
        from bot.sandbox.run import example_catalog_path
        from bot.slack.listeners.drift import gather_evidence
        from incidents.catalog import load_catalog

        path = example_catalog_path()
        catalog = load_catalog(path)
        evidence = gather_evidence(catalog.systems["recommender"].data,
                                   system_key="recommender", incident_id=1,
                                   base=path.parent, now=datetime.now(UTC))
        print(json.dumps({"bot": bot.__file__, "reference": evidence.reference,
                          "current": evidence.current, "verdict": evidence.report.verdict,
                          "drifted": [c.column for c in evidence.report.drifted_columns],
                          "chart": evidence.chart is not None}))
    """)
    env = {**os.environ, "PYTHONPATH": str(unpacked_wheel)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["bot"].startswith(str(unpacked_wheel))  # the wheel's code, not the checkout
    assert found["reference"] == "data/recommender/reference.parquet"
    assert found["current"] == "data/recommender/current.parquet"
    assert found["verdict"] == "drift" and "category_affinity" in found["drifted"]
    assert found["chart"]
