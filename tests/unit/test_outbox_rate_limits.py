"""How long a 429 puts outbox work off: Retry-After as Slack sends it, capped, and a
workspace-limited method paused for every delivery while chat.postMessage stays per channel."""

from datetime import timedelta

from bot.slack.client import MAX_RATE_LIMIT_WAIT, MethodLimits, retry_after
from bot.slack.outbox_worker import rate_limit_wait


def test_retry_after_is_read_however_the_header_is_spelled_or_shaped():
    assert retry_after({"Retry-After": ["30"]}) == 30
    assert retry_after({"retry-after": "7"}) == 7
    assert retry_after({"Retry-After": "soon"}) == 1
    assert retry_after({}) == 1 and retry_after(None) == 1


def test_the_wait_is_at_least_a_second_and_at_most_the_cap():
    assert rate_limit_wait(30) == timedelta(seconds=30)
    assert rate_limit_wait(0) == timedelta(seconds=1)
    assert rate_limit_wait(100000) == MAX_RATE_LIMIT_WAIT == timedelta(seconds=60)


def test_a_workspace_limited_method_is_paused_but_posting_is_left_per_channel():
    limits = MethodLimits()
    limits.note("conversations.setTopic", 20)
    limits.note("chat.postMessage", 20)
    assert 10 < limits.remaining("conversations.setTopic") <= 20
    assert limits.remaining("chat.postMessage") == 0
    limits.note("pins.add", 100000)
    assert limits.remaining("pins.add") <= MAX_RATE_LIMIT_WAIT.total_seconds()
    limits.note("users.info", 0)
    assert limits.remaining("users.info") == 0
