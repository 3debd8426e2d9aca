"""While alerts pour in, Slack work gets at most a quarter of the event loop."""

import pytest

from bot.slack.outbox_worker import STORM_REST_MAX, STORM_SHARE, storm_rest


@pytest.mark.parametrize("took", [0.001, 0.01, 0.05])
def test_a_delivery_is_followed_by_three_times_its_length_of_rest(took):
    rest = storm_rest(took)
    assert rest == pytest.approx(3 * took)
    assert took / (took + rest) == pytest.approx(STORM_SHARE)


def test_a_delivery_slowed_by_slack_does_not_park_the_outbox():
    # A 429 with Retry-After: 30 made the delivery slow, not the event loop busy.
    assert storm_rest(30.0) == STORM_REST_MAX == 1.0
