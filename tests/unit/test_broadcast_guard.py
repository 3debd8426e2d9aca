"""The boundary guard for text going to Slack (bot/slack/mrkdwn.py)."""

from bot.slack.mrkdwn import neutralise_broadcasts


def test_broadcasts_in_shown_text_are_escaped_and_data_is_left_alone():
    body = {"text": "hi <!channel> at <!date^1700000000^{date}|x>",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "<!here> <@U1>"}},
                       {"type": "header", "text": {"type": "plain_text", "text": "<!here>"}}],
            "private_metadata": "<!channel>", "value": "<!everyone>"}
    neutralise_broadcasts(body, "chat.postMessage")
    assert body["text"] == "hi &lt;!channel&gt; at <!date^1700000000^{date}|x>"
    assert body["blocks"][0]["text"]["text"] == "&lt;!here&gt; <@U1>"
    assert body["blocks"][1]["text"]["text"] == "<!here>"  # plain text never pings
    assert body["private_metadata"] == "<!channel>" and body["value"] == "<!everyone>"
