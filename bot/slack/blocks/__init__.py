"""Block Kit builders. They take plain data, never a session, and use slack_sdk.models so
Slack's limits are checked when the message is built."""
