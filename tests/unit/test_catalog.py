from datetime import date, time, timedelta
from pathlib import Path
from textwrap import dedent

import pytest

from incidents.catalog import Catalog, CatalogError, Policy, SeverityPolicy, load_catalog

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "incidentbot.yml"

MINIMAL = """\
clients:
  acme-bank:
    name: Acme Bank
systems:
  fraud-detector:
    client: acme-bank
    criticality: critical
oncall:
  primary:
    timezone: Europe/Berlin
    start: 2026-11-02
    participants: [U_ALICE, U_BOB]
escalation:
  fraud-policy:
    - {schedule: primary, wait: 5m}
"""


def write(tmp_path: Path, text: str, name: str = "incidentbot.yml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text))
    return path


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`, so tests don't count by hand."""
    return next(n for n, line in enumerate(dedent(text).splitlines(), 1) if needle in line)


def load_error(tmp_path: Path, text: str) -> tuple[Path, CatalogError]:
    path = write(tmp_path, text)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    return path, caught.value


# --- loading ------------------------------------------------------------------------

def test_example_catalog_loads_with_its_systems_clients_and_schedules():
    catalog = load_catalog(EXAMPLE)

    assert catalog.source == EXAMPLE
    assert set(catalog.systems) == {"fraud-detector", "recommender", "maintenance-predictor"}
    fraud = catalog.system("fraud-detector")
    assert fraud.criticality == "critical"
    assert fraud.owners == ["U_ALICE", "U_BOB"]
    assert catalog.client_for("fraud-detector").name == "Acme Bank"
    assert catalog.client_for("fraud-detector").channel == "C_ACME_SHARED"
    assert catalog.client_for("maintenance-predictor").name == "Globex Retail"
    assert fraud.actions["rollback"].method == "POST"
    assert fraud.actions["rollback"].timeout == timedelta(seconds=15)
    assert fraud.actions["rules_fallback"].timeout == timedelta(seconds=10)
    assert fraud.monitors[0].every == timedelta(minutes=15)
    assert fraud.monitors[0].min_rows == 500
    assert catalog.system("recommender").data.current.endswith("current.parquet")
    assert catalog.oncall[fraud.oncall].handoff == time(9, 0)
    assert catalog.oncall[catalog.system("recommender").oncall].timezone == "America/New_York"
    assert catalog.policy.holidays[0] == date(2026, 12, 25)


def test_example_escalation_waits_per_severity():
    levels = load_catalog(EXAMPLE).escalation_for("fraud-detector")

    assert levels[0].schedule == "fraud-primary"
    assert levels[0].wait_for(1) == timedelta(minutes=5)
    assert levels[0].wait_for(2) == timedelta(minutes=15)
    assert levels[0].wait_for(3) == timedelta(minutes=30)  # the default
    assert levels[1].users == ["U_DAVE"]
    assert levels[1].wait_for(1) == levels[1].wait_for(4) == timedelta(minutes=10)
    with pytest.raises(ValueError, match="severity"):
        levels[0].wait_for(5)


def test_no_file_gives_an_empty_catalog_with_the_default_policy():
    catalog = load_catalog(None)

    assert catalog.systems == {} and catalog.clients == {} and catalog.source is None
    assert catalog.system("fraud-detector") is None
    assert catalog.client_for("fraud-detector") is None
    assert catalog.policy.for_severity(1).executive_notification == timedelta(minutes=30)


def test_empty_file_is_an_empty_catalog(tmp_path):
    catalog = load_catalog(write(tmp_path, "# nothing configured yet\n"))

    assert catalog.systems == {}
    assert catalog.policy.sev3.first_response == timedelta(hours=24)


def test_system_name_defaults_to_its_key(tmp_path):
    catalog = load_catalog(write(tmp_path, MINIMAL))

    assert catalog.system("fraud-detector").name == "fraud-detector"
    assert catalog.system("fraud-detector").description == ""


def test_catalog_survives_a_json_round_trip():
    catalog = load_catalog(EXAMPLE)
    dumped = catalog.model_dump(mode="json")

    assert dumped["oncall"]["fraud-primary"]["rotation"] == "1w"
    assert dumped["oncall"]["fraud-primary"]["handoff"] == "09:00"
    assert "source" not in dumped
    again = Catalog.model_validate(dumped)
    assert again.model_dump() == catalog.model_dump()
    assert again.oncall == catalog.oncall and again.policy == catalog.policy


# --- policy ---------------------------------------------------------------------------

def test_default_policy_follows_the_seed():
    policy = Policy()

    assert policy.for_severity(1) == SeverityPolicy(
        executive_notification=timedelta(minutes=30), status_update_every=timedelta(hours=2))
    assert policy.for_severity(2).technical_notification == timedelta(hours=2)
    assert policy.for_severity(2).status_update_every == timedelta(hours=2)
    assert policy.for_severity(3).first_response == timedelta(hours=24)
    assert policy.for_severity(4) == SeverityPolicy()
    assert policy.review_within_business_days == 5
    assert policy.reminder_lead == timedelta(minutes=10)
    with pytest.raises(ValueError):
        policy.for_severity(0)


def test_partial_policy_merges_with_the_defaults_per_key(tmp_path):
    catalog = load_catalog(write(tmp_path, """\
        policy:
          sev1: {executive_notification: 4s}
          sev2: {status_update_every: null}
          review_within_business_days: 3
        """))
    policy = catalog.policy

    assert policy.sev1.executive_notification == timedelta(seconds=4)
    assert policy.sev1.status_update_every == timedelta(hours=2)
    assert policy.sev2.technical_notification == timedelta(hours=2)
    assert policy.sev2.status_update_every is None  # null switches a default off
    assert policy.sev3.first_response == timedelta(hours=24)
    assert policy.review_within_business_days == 3


def test_partial_policy_built_in_code_merges_too():
    policy = Policy(sev1=SeverityPolicy(executive_notification="4s"))

    assert policy.sev1.executive_notification == timedelta(seconds=4)
    assert policy.sev1.status_update_every == timedelta(hours=2)


# --- errors ---------------------------------------------------------------------------

def test_invalid_choice_names_file_line_key_and_reason(tmp_path):
    text = MINIMAL.replace("criticality: critical", "criticality: urgent")
    path, error = load_error(tmp_path, text)

    line = line_of(text, "criticality:")
    assert str(error) == (f"{path}:{line}: systems.fraud-detector.criticality: "
                          "Input should be 'critical', 'high' or 'standard'")
    assert (error.file, error.line, error.key_path) == (
        str(path), line, "systems.fraud-detector.criticality")
    assert error.reason == "Input should be 'critical', 'high' or 'standard'"


def test_unknown_key_is_named_with_a_suggestion(tmp_path):
    text = MINIMAL.replace("criticality: critical", "critcality: high")
    path, error = load_error(tmp_path, text)

    assert str(error) == (f"{path}:{line_of(text, 'critcality')}: systems.fraud-detector."
                          "critcality: unknown key 'critcality'; did you mean 'criticality'?")


def test_bad_duration_points_at_its_list_item(tmp_path):
    text = MINIMAL + "    - {users: [U_DAVE], wait: 10 minutes}\n"
    _, error = load_error(tmp_path, text)

    assert error.line == line_of(text, "10 minutes")
    assert error.key_path == "escalation.fraud-policy[1].wait.default"
    assert "invalid duration '10 minutes'" in error.reason


def test_missing_key_points_at_its_parent(tmp_path):
    text = MINIMAL.replace("    start: 2026-11-02\n", "")
    path, error = load_error(tmp_path, text)

    assert str(error) == f"{path}:{line_of(text, 'primary:')}: oncall.primary.start: " \
                         "required key is missing"


def test_yaml_syntax_error_gives_file_and_line(tmp_path):
    text = "systems:\n  fraud-detector:\n    owners: [U_ALICE\n  recommender: {}\n"
    path, error = load_error(tmp_path, text)

    assert error.file == str(path)
    assert error.line in (3, 4)
    assert error.key_path == ""
    assert str(error).startswith(f"{path}:{error.line}: ")


def test_duplicate_keys_are_an_error(tmp_path):
    text = MINIMAL + "systems:\n  other: {}\n"
    _, error = load_error(tmp_path, text)

    assert error.line == len(dedent(text).splitlines()) - 1
    assert error.key_path == "systems"
    assert error.reason == f"duplicate key (first at line {line_of(text, 'systems:')})"


def test_invalid_date_is_reported_at_its_line(tmp_path):
    text = MINIMAL.replace("2026-11-02", "2026-13-02")
    _, error = load_error(tmp_path, text)

    assert error.line == line_of(text, "2026-13-02")
    assert "invalid date" in error.reason


def test_top_level_must_be_a_mapping(tmp_path):
    _, error = load_error(tmp_path, "- fraud-detector\n")

    assert error.line == 1
    assert "top level must be a mapping" in error.reason


def test_missing_file_is_a_catalog_error(tmp_path):
    with pytest.raises(CatalogError, match="no such file") as caught:
        load_catalog(tmp_path / "absent.yml")
    assert caught.value.file == str(tmp_path / "absent.yml")


@pytest.mark.parametrize(
    ("old", "new", "key_path", "reason"),
    [
        ("client: acme-bank", "client: acme", "systems.fraud-detector.client",
         "unknown client 'acme' (known: acme-bank)"),
        ("criticality: critical", "oncall: secondary", "systems.fraud-detector.oncall",
         "unknown on-call schedule 'secondary' (known: primary)"),
        ("criticality: critical", "escalation: nope", "systems.fraud-detector.escalation",
         "unknown escalation policy 'nope' (known: fraud-policy)"),
        ("{schedule: primary,", "{schedule: backup,", "escalation.fraud-policy[0].schedule",
         "unknown on-call schedule 'backup' (known: primary)"),
    ],
)
def test_cross_references_are_checked(tmp_path, old, new, key_path, reason):
    text = MINIMAL.replace(old, new)
    path, error = load_error(tmp_path, text)

    assert str(error) == f"{path}:{line_of(text, new)}: {key_path}: {reason}"


@pytest.mark.parametrize(
    ("old", "new", "key_path", "fragment"),
    [
        ("Europe/Berlin", "Europe/Atlantis", "oncall.primary.timezone", "unknown time zone"),
        ("[U_ALICE, U_BOB]", "[alice]", "oncall.primary.participants[0]",
         "not a Slack user id"),
        ("[U_ALICE, U_BOB]", "[]", "oncall.primary.participants", "at least 1 item"),
        ("{schedule: primary,", "{schedule: primary, users: [U_DAVE],",
         "escalation.fraud-policy[0]", "exactly one of schedule or users"),
        ("wait: 5m", "wait: {sev1: 5m}", "escalation.fraud-policy[0].wait.default",
         "required unless sev1 to sev4"),
        ("criticality: critical", "actions: {rollback: {url: ftp://x}}",
         "systems.fraud-detector.actions.rollback.url", "not an http(s) URL"),
        ("criticality: critical", "actions: {reboot: {url: https://x.example}}",
         "systems.fraud-detector.actions.reboot", "Input should be 'rollback'"),
        ("criticality: critical", "monitors: [{every: 15m}]",
         "systems.fraud-detector.monitors", "monitors need data.reference"),
        ("criticality: critical", "data: {reference: r.csv, current: c.csv, "
         "current_query: {url: 'sqlite://', sql: select 1}}",
         "systems.fraud-detector.data.current_query", "either current or current_query"),
    ],
)
def test_invalid_values_name_their_key(tmp_path, old, new, key_path, fragment):
    text = MINIMAL.replace(old, new)
    _, error = load_error(tmp_path, text)

    assert error.key_path == key_path
    assert fragment in error.reason
    assert error.line == line_of(text, new.split(":")[0].strip("{[ "))


def test_override_times_need_an_offset_and_an_order(tmp_path):
    text = MINIMAL.replace("    participants: [U_ALICE, U_BOB]\n", """\
    participants: [U_ALICE, U_BOB]
    overrides:
      - {user: U_CAROL, start: 2026-11-27T09:00:00, end: 2026-11-28T09:00:00Z}
      - {user: U_CAROL, start: 2026-11-29T09:00:00Z, end: 2026-11-28T09:00:00Z}
""")
    _, error = load_error(tmp_path, text)

    first, second = error.errors
    assert first.key_path == "oncall.primary.overrides[0].start"
    assert "timezone" in first.reason
    assert second.key_path == "oncall.primary.overrides[1].end"
    assert second.reason == "must be after start"
    assert second.line == first.line + 1


def test_all_errors_are_kept_in_line_order(tmp_path):
    text = MINIMAL.replace("criticality: critical", "criticality: urgent\n    colour: red")
    text = text.replace("Europe/Berlin", "Mars/Olympus")
    _, error = load_error(tmp_path, text)

    assert [e.key_path for e in error.errors] == [
        "systems.fraud-detector.criticality",
        "systems.fraud-detector.colour",
        "oncall.primary.timezone",
    ]
    assert str(error) == str(error.errors[0])


def test_unquoted_handoff_is_a_time_not_base_60(tmp_path):
    # YAML 1.1 reads 9:30 as the integer 570; the loader keeps it as the text written.
    text = MINIMAL.replace("timezone: Europe/Berlin", "timezone: Europe/Berlin\n    handoff: 9:30")
    catalog = load_catalog(write(tmp_path, text))

    assert catalog.oncall["primary"].handoff == time(9, 30)


# --- relative paths ---------------------------------------------------------------------

def test_relative_paths_resolve_against_the_catalog_folder(tmp_path, monkeypatch):
    folder = tmp_path / "config"
    (folder / "runbooks").mkdir(parents=True)
    (folder / "runbooks" / "pipeline.md").write_text("# Pipeline\n")
    (folder / "templates-override").mkdir()
    system = """criticality: critical
    data:
      reference: data/reference.parquet
      current: data/current/*.parquet
      label: is_fraud
    runbooks: {data_pipeline_failure: runbooks/pipeline.md}"""
    text = MINIMAL.replace("criticality: critical", system)
    write(folder, text + "templates_dir: ./templates-override\n")
    monkeypatch.chdir(tmp_path)  # somewhere else than the catalog's folder

    catalog = load_catalog(Path("config/incidentbot.yml"))
    system = catalog.system("fraud-detector")
    base = folder.resolve()

    assert system.data.reference == base / "data" / "reference.parquet"
    assert system.data.current == str(base / "data" / "current" / "*.parquet")
    assert system.runbooks["data_pipeline_failure"] == base / "runbooks" / "pipeline.md"
    assert catalog.templates_dir == base / "templates-override"
    assert catalog.source == Path("config/incidentbot.yml")


def test_example_data_paths_point_under_examples_data():
    system = load_catalog(EXAMPLE).system("fraud-detector")

    assert system.data.reference == EXAMPLE.parent / "data" / "fraud" / "reference.parquet"
    assert system.data.current == str(EXAMPLE.parent / "data" / "fraud" / "current" / "*.parquet")


def test_missing_runbook_file_and_templates_dir_are_errors(tmp_path):
    text = MINIMAL.replace(
        "criticality: critical", "runbooks: {emergency_retraining: runbooks/nope.md}"
    ) + "templates_dir: missing-templates\n"
    _, error = load_error(tmp_path, text)

    runbook, templates = error.errors
    assert runbook.key_path == "systems.fraud-detector.runbooks.emergency_retraining"
    assert runbook.reason == f"no such file: {tmp_path.resolve() / 'runbooks' / 'nope.md'}"
    assert templates.key_path == "templates_dir"
    assert templates.line == line_of(text, "templates_dir")
