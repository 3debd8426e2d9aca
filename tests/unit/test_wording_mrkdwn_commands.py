from datetime import UTC, datetime

from bot.slack.commands_text import parse, parse_incident_ref, parse_severity_arg
from bot.slack.listeners.timeline import message_time
from bot.slack.mrkdwn import escape, link, user
from incidents.wording import describe_metric


def test_describe_metric_in_business_terms():
    text = describe_metric({"name": "flag_rate", "value": 0.40, "baseline": 0.02,
                            "threshold": 0.10})
    assert text == "flag rate 2.0% → 40.0% (threshold 10.0%)"
    assert describe_metric({"name": "latency_ms", "value": 950, "baseline": 120}) == \
        "latency ms 120 → 950"
    assert describe_metric(None) is None
    assert describe_metric({"name": "x", "value": "n/a"}) is None


def test_escape_neutralises_mentions_and_links():
    assert escape("<!channel> & <@U1> <http://evil|x>") == \
        "&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;http://evil|x&gt;"


def test_user_mentions_only_for_real_ids():
    assert user("U123ABC") == "<@U123ABC>"
    assert user("<!channel>") == "&lt;!channel&gt;"
    assert user(None) == "nobody yet"


def test_a_slack_message_ts_is_when_it_was_written_in_utc():
    assert message_time("1764237540.000200") == datetime(2025, 11, 27, 9, 59, 0, 200, tzinfo=UTC)


def test_link_only_for_http_urls():
    assert link("https://grafana.example/d/1", "Dashboard") == "<https://grafana.example/d/1|Dashboard>"
    assert link("javascript:alert(1)", "x<y") == "x&lt;y"


def test_parse_commands():
    assert parse("") .name == "help"
    cmd = parse("assign commander <@U123|alice>")
    assert cmd.name == "assign" and cmd.mentions == ["U123"]
    assert parse("NOTE  rolled back ").args == "rolled back"
    assert parse_severity_arg("sev2") == 2 and parse_severity_arg("5") is None
    assert parse_incident_ref("#12") == 12 and parse_incident_ref("x") is None


def test_statistics_are_not_shown_as_percentages():
    assert describe_metric({"name": "amount.psi", "value": 0.521, "baseline": 0.0,
                            "threshold": 0.25}) == "amount.psi 0 → 0.521 (threshold 0.25)"


def test_unescape_inverts_escape():
    from bot.slack.mrkdwn import unescape

    text = "a < b & c > d &amp; e"
    assert unescape(escape(text)) == text
