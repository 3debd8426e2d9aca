"""The registry rules (incidents/registry/policy.py): what a promotion time means, the triage
answer it gives, which versions a rollback offers, and the wording; the evidence file's
catalog entry without secrets (incidents/regulatory/evidence.py)."""

from datetime import UTC, datetime, timedelta

from incidents.catalog.models import System
from incidents.registry import policy as registry
from incidents.registry.policy import RegistryState, Version
from incidents.regulatory import evidence
from incidents.triage import proposal as triage
from incidents.triage.mitigation import Mitigation, describe

ALERT = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def state(*versions: Version, serving: int | None = 42) -> RegistryState:
    return RegistryState("fraud-detector", "champion", "mlflow.example", ALERT, serving,
                         tuple(versions))


def v(number, registered, promoted=None, status="READY") -> Version:
    return Version(number, ALERT - registered, None if promoted is None else ALERT - promoted,
                   status)


def test_a_tagged_promotion_shortly_before_the_first_alert_answers_yes():
    found = state(v(42, timedelta(hours=5), timedelta(hours=3)), v(41, timedelta(days=20)))

    answer = registry.model_updated(found, reference=ALERT, window=DAY)

    assert answer.value == "yes"
    assert answer.reason == "v42 promoted 3 h before the first alert"


def test_a_tagged_promotion_long_ago_answers_no_and_says_the_window():
    found = state(v(42, timedelta(days=9), timedelta(days=8)))

    answer = registry.model_updated(found, reference=ALERT, window=DAY)

    assert (answer.value, answer.reason) == (
        "no", "v42 promoted 8 d before the first alert, longer ago than 1 d")


def test_without_the_tag_the_registration_time_is_a_lower_bound_and_worded_so():
    recent = registry.model_updated(state(v(42, timedelta(hours=2))), reference=ALERT,
                                    window=DAY)
    old = registry.model_updated(state(v(42, timedelta(days=30))), reference=ALERT,
                                 window=DAY)

    # Registered 2 h ago and serving now: promoted within those 2 h, whatever the tag.
    assert recent.value == "yes" and recent.reason.startswith("v42 registered 2 h before")
    assert registry.UNRECORDED in recent.reason
    # Registered a month ago: when it was promoted is not known, so the bot does not guess.
    assert old.value == "unsure" and "registered 30 d before" in old.reason


def test_a_promotion_after_the_first_alert_is_unsure_and_no_alias_is_no_answer():
    later = registry.model_updated(state(v(42, timedelta(hours=5), -timedelta(minutes=20))),
                                   reference=ALERT, window=DAY)
    assert later.value == "unsure" and "20 min after the first alert" in later.reason
    assert registry.model_updated(state(v(42, DAY), serving=None), reference=ALERT,
                                  window=DAY) is None


def test_the_window_comes_from_the_caller_so_seconds_work():
    found = state(v(42, timedelta(seconds=90), timedelta(seconds=45)))
    assert registry.model_updated(found, reference=ALERT, window=timedelta(seconds=30)).value \
        == "no"
    assert registry.model_updated(found, reference=ALERT, window=timedelta(seconds=60)).value \
        == "yes"


def test_rollback_offers_ready_earlier_versions_and_preselects_the_one_served_before():
    found = state(v(43, timedelta(hours=1)), v(42, timedelta(hours=5), timedelta(hours=3)),
                  v(41, timedelta(days=3), status="FAILED_REGISTRATION"),
                  v(40, timedelta(days=20), timedelta(days=19)), v(39, timedelta(days=40)))

    assert [x.number for x in registry.earlier_versions(found)] == [40, 39]
    assert registry.default_target(found).number == 40  # promoted before, per its tag
    untagged = state(v(42, timedelta(hours=5)), v(41, timedelta(days=3)), v(40, DAY * 9))
    assert registry.default_target(untagged).number == 41  # else the newest earlier one
    assert registry.earlier_versions(state(v(42, DAY))) == []
    assert registry.version_label(found.version(40)) == \
        "v40 · registered 2026-11-16 · promoted 2026-11-17 12:00 UTC"


def test_states_survive_the_timeline_as_json():
    found = state(v(42, timedelta(hours=5), timedelta(hours=3)), v(41, DAY))
    assert RegistryState.from_dict(found.to_dict()) == found


def test_spans_read_as_people_say_them():
    assert [registry.span(timedelta(seconds=s)) for s in (45, 600, 3 * 3600 + 600,
                                                          2 * 86400 + 4 * 3600, 30 * 86400)] \
        == ["45 s", "10 min", "3 h 10 min", "2 d 4 h", "30 d"]


def test_the_proposal_names_what_the_registry_said():
    answers = {"alert": "real", "predictions": "yes", "ranges": "no", "inputs_changed": "no",
               "model_updated": "yes", "impact": "material"}
    said = triage.assess(answers, model_note="v42 promoted 3 h before the first alert")
    plain = triage.assess(answers)

    assert said.path == triage.DiagnosisPath.MODEL
    assert said.path_reason == "v42 promoted 3 h before the first alert"
    assert plain.path_reason == "the model was recently updated"
    assert said.runbook == "emergency_model_rollback"


def test_a_registry_rollback_is_described_with_both_versions():
    assert describe(Mitigation.ROLLBACK, {"model": "fraud-detector", "alias": "champion",
                                          "from_version": 42, "to_version": 41}) == \
        "Roll back to the previous model version (fraud-detector champion: v42 → v41)"
    assert describe(Mitigation.ROLLBACK, {}) == "Roll back to the previous model version"


def test_evidence_is_required_only_under_the_eu_ai_act_and_for_changes_to_the_model():
    bound = System(obligations=[{"eu_ai_act": {"role": "deployer"}}])
    gdpr_only = System(obligations=["gdpr"])

    assert evidence.required(bound, Mitigation.ROLLBACK)
    assert evidence.required(bound, Mitigation.THRESHOLD)
    assert evidence.required(bound, None)  # undoing a rollback changes the model too
    assert not evidence.required(bound, Mitigation.RULES_FALLBACK)
    assert not evidence.required(gdpr_only, Mitigation.ROLLBACK)
    assert not evidence.required(System(), Mitigation.ROLLBACK)
    assert not evidence.required(None)


def test_the_catalog_entry_in_the_evidence_has_no_secret():
    system = System(
        model={"tracking_uri": "https://ops:hunter22@mlflow.example", "name": "fraud",
               "headers": {"Authorization": "Bearer ${MLFLOW_TOKEN}"}},
        actions={"rollback": {"url": "https://ml-ops.example/rollback?api_key=k3y-55aa11",
                              "headers": {"X-Api-Key": "literal-secret-9f8e"}}},
        data={"current_query": {"url": "postgresql://ro:pw-4455@db/x", "sql": "select 1"}},
        obligations=[{"eu_ai_act": {"role": "provider"}}],
    )

    entry = evidence.catalog_entry("fraud-detector", system)
    text = str(entry)

    for secret in ("hunter22", "MLFLOW_TOKEN", "k3y-55aa11", "literal-secret-9f8e", "pw-4455"):
        assert secret not in text
    assert entry["model"]["headers"] == {"Authorization": "[redacted]"}
    assert entry["actions"]["rollback"]["headers"] == {"X-Api-Key": "[redacted]"}
    assert entry["key"] == "fraud-detector" and entry["obligations"]["eu_ai_act"]["role"] == \
        "provider"
