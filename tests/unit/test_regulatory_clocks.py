"""Regulatory clocks from the shipped data file: every clock's due time from a moment of
awareness, across daylight-saving changes, and which clocks which answers start."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from incidents.catalog import CatalogError, load_catalog
from incidents.catalog.ai import Obligations
from incidents.regulatory.clocks import (
    DATA,
    ClockFileError,
    Period,
    RegulatoryPolicy,
    add_months,
    load,
    shipped,
)
from incidents.regulatory.policy import Assessed, Submitted, due, questions_for, reportable
from incidents.types import REGULATORY_DEADLINES, DeadlineKind

BERLIN = ZoneInfo("Europe/Berlin")
K = DeadlineKind
PROVIDER = Obligations.model_validate({"eu_ai_act": {"role": "provider"}, "gdpr": True,
                                       "nis2": True})
DEPLOYER = Obligations.model_validate({"eu_ai_act": {"role": "deployer"}})
NO = {"health": "no", "critical_infrastructure": "no", "fundamental_rights": "no",
      "property_or_environment": "no", "widespread": "no", "personal_data_breach": "no",
      "significant_incident": "no"}
# Friday before the spring change (Sunday 29 March 2026, 02:00 → 03:00 in Berlin).
AWARE = datetime(2026, 3, 27, 10, 0, tzinfo=BERLIN)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def owed(*history, obligations=PROVIDER, submitted=None, overrides=None, zone=BERLIN):
    steps = [Assessed(at, {**NO, **answers}) for at, answers in history]
    return due(shipped(), obligations=obligations, history=steps, submitted=submitted or {},
               zone=zone, overrides=overrides)


@pytest.mark.parametrize(("answers", "report", "clock", "expected", "elapsed_hours"), [
    # Calendar days keep 10:00 local time across the change: one hour fewer elapsed.
    ({"fundamental_rights": "yes"}, K.AI_ACT_SERIOUS_INCIDENT, "ai_act_art73_2",
     berlin(2026, 4, 11, 10), 15 * 24 - 1),
    ({"critical_infrastructure": "yes"}, K.AI_ACT_SERIOUS_INCIDENT, "ai_act_art73_3",
     berlin(2026, 3, 29, 10), 47),
    ({"property_or_environment": "yes", "widespread": "yes"}, K.AI_ACT_SERIOUS_INCIDENT,
     "ai_act_art73_3", berlin(2026, 3, 29, 10), 47),
    ({"health": "death"}, K.AI_ACT_SERIOUS_INCIDENT, "ai_act_art73_4",
     berlin(2026, 4, 6, 10), 10 * 24 - 1),
    # Hours are elapsed: 72 h after 10:00 CET is 11:00 CEST.
    ({"personal_data_breach": "yes"}, K.GDPR_BREACH_NOTIFICATION, "gdpr_art33",
     berlin(2026, 3, 30, 11), 72),
    ({"significant_incident": "yes"}, K.NIS2_EARLY_WARNING, "nis2_art23_4_a",
     berlin(2026, 3, 28, 10), 24),
    ({"significant_incident": "yes"}, K.NIS2_INCIDENT_NOTIFICATION, "nis2_art23_4_b",
     berlin(2026, 3, 30, 11), 72),
])
def test_each_clock_from_awareness_across_the_spring_change(answers, report, clock, expected,
                                                             elapsed_hours):
    found = owed((AWARE, answers))[report]

    assert found.clock == clock
    assert found.due_at == expected.astimezone(UTC)
    assert found.due_at - AWARE == timedelta(hours=elapsed_hours)


def test_deployer_informs_the_provider_within_24_elapsed_hours():
    saturday = berlin(2026, 3, 28, 10)
    found = owed((saturday, {"health": "harm"}), obligations=DEPLOYER)

    assert set(found) == {K.AI_ACT_INFORM_PROVIDER}  # no Art. 73 report of its own
    assert found[K.AI_ACT_INFORM_PROVIDER].due_at == berlin(2026, 3, 29, 11).astimezone(UTC)


def test_complete_report_follows_an_initial_one_and_final_report_the_notification():
    answers = {"fundamental_rights": "yes", "significant_incident": "yes"}
    initial = Submitted(berlin(2026, 3, 30, 9), initial=True)
    notified = Submitted(berlin(2026, 1, 31, 9))
    found = owed((AWARE, answers), submitted={K.AI_ACT_SERIOUS_INCIDENT: initial,
                                             K.NIS2_INCIDENT_NOTIFICATION: notified})

    assert found[K.AI_ACT_COMPLETE_REPORT].clock == "ai_act_art73_5"
    assert found[K.AI_ACT_COMPLETE_REPORT].due_at == berlin(2026, 4, 14, 9).astimezone(UTC)
    # One calendar month, clipped to the end of a shorter month.
    assert found[K.NIS2_FINAL_REPORT].due_at == berlin(2026, 2, 28, 9).astimezone(UTC)
    complete = owed((AWARE, answers),
                    submitted={K.AI_ACT_SERIOUS_INCIDENT: Submitted(initial.at)})
    assert K.AI_ACT_COMPLETE_REPORT not in complete  # a complete report needs no second one
    assert K.NIS2_FINAL_REPORT not in complete  # nothing starts it before the notification


def test_autumn_change_gives_a_calendar_day_25_hours():
    aware = berlin(2026, 10, 24, 10)  # Saturday; clocks go back on Sunday 25 October
    found = owed((aware, {"critical_infrastructure": "yes"}))[K.AI_ACT_SERIOUS_INCIDENT]
    assert found.due_at == berlin(2026, 10, 26, 10).astimezone(UTC)
    assert found.due_at - aware == timedelta(hours=49)


def test_a_local_time_the_change_skips_is_shifted_forward():
    night = berlin(2026, 3, 27, 2, 30)
    found = owed((night, {"critical_infrastructure": "yes"}))[K.AI_ACT_SERIOUS_INCIDENT]
    assert found.due_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST


def test_a_death_and_a_widespread_infringement_due_at_the_earliest():
    found = owed((AWARE, {"health": "death", "widespread": "yes"}))
    assert found[K.AI_ACT_SERIOUS_INCIDENT].clock == "ai_act_art73_3"


def test_a_later_finding_runs_from_when_it_was_found():
    later = AWARE + timedelta(days=5)
    found = owed((AWARE, {"fundamental_rights": "yes"}),
                 (later, {"fundamental_rights": "yes", "widespread": "yes"}))
    report = found[K.AI_ACT_SERIOUS_INCIDENT]
    assert (report.clock, report.starts_at) == ("ai_act_art73_3", later)
    assert report.due_at == (later + timedelta(days=2)).astimezone(UTC)
    # The serious incident itself was known from the first assessment: 15 days from then.
    kept = owed((AWARE, {"fundamental_rights": "yes"}), (later, {"fundamental_rights": "yes"}))
    assert kept[K.AI_ACT_SERIOUS_INCIDENT].starts_at == AWARE


def test_not_reportable_and_reassessed_back():
    assert owed((AWARE, {})) == {}
    assert not reportable(shipped(), PROVIDER, NO)
    again = AWARE + timedelta(days=1)
    found = owed((AWARE, {"personal_data_breach": "yes"}), (AWARE + timedelta(hours=1), {}),
                 (again, {"personal_data_breach": "yes"}))
    assert found[K.GDPR_BREACH_NOTIFICATION].starts_at == again  # a new awareness


def test_questions_follow_the_obligations():
    assert questions_for(shipped(), None) == {}
    gdpr_only = Obligations(gdpr=True)
    assert list(questions_for(shipped(), gdpr_only)) == ["personal_data_breach"]
    assert "significant_incident" not in questions_for(shipped(), DEPLOYER)
    assert owed((AWARE, {"significant_incident": "yes"}), obligations=gdpr_only) == {}


def test_overrides_in_seconds_for_tests():
    found = owed((AWARE, {"personal_data_breach": "yes"}),
                 overrides={"gdpr_art33": Period(30, "seconds")})
    assert found[K.GDPR_BREACH_NOTIFICATION].due_at - AWARE == timedelta(seconds=30)


def test_months_keep_the_day_or_take_the_last_one():
    assert add_months(datetime(2026, 1, 31, 9), 1) == datetime(2026, 2, 28, 9)
    assert add_months(datetime(2028, 1, 31, 9), 1) == datetime(2028, 2, 29, 9)
    assert add_months(datetime(2026, 12, 15), 1) == datetime(2027, 1, 15)


def test_the_shipped_file_has_one_report_per_regulatory_deadline_and_every_article():
    book = shipped()
    assert set(book.reports) == REGULATORY_DEADLINES
    articles = {clock.article for clock in book.clocks.values()}
    assert {"EU AI Act Art. 73(2)", "EU AI Act Art. 73(3)", "EU AI Act Art. 73(4)",
            "EU AI Act Art. 73(5)", "EU AI Act Art. 26(5)", "GDPR Art. 33(1)",
            "NIS2 Art. 23(4)(a)", "NIS2 Art. 23(4)(b)", "NIS2 Art. 23(4)(d)"} == articles


@pytest.mark.parametrize(("change", "reason"), [
    (lambda d: d["clocks"]["gdpr_art33"].update(within="72 fortnights"), "not a period"),
    (lambda d: d["clocks"]["gdpr_art33"].update(when="data_breach"), "names no question"),
    (lambda d: d["clocks"]["ai_act_art73_4"].update(when="health=dead"), "no answer 'dead'"),
    (lambda d: d["reports"].pop("nis2_final_report"), "missing"),
    (lambda d: d.update(timezone="Mars/Olympus"), "unknown time zone"),
])
def test_a_broken_clocks_file_says_where(tmp_path, change, reason):
    data = yaml.safe_load(DATA.read_text())
    change(data)
    path = tmp_path / "clocks.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ClockFileError) as caught:
        load(path)
    assert str(caught.value).startswith(str(path)) and reason in str(caught.value)


def test_catalog_policy_sets_the_zone_and_stricter_clocks(tmp_path):
    path = tmp_path / "incidentbot.yml"
    path.write_text("policy:\n  regulatory: {timezone: Europe/Berlin, "
                    "clocks: {gdpr_art33: 48 hours}}\n")
    policy = load_catalog(path).policy.regulatory
    assert policy.zone(shipped()) == BERLIN
    assert policy.clocks["gdpr_art33"] == Period(48, "hours")
    assert RegulatoryPolicy().zone(shipped()).key == "Europe/Brussels"
    path.write_text("policy:\n  regulatory:\n    clocks: {gdpr_72h: 1 day}\n")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert "incidentbot.yml:3" in str(caught.value) and "unknown clocks" in str(caught.value)

