"""A Slack-compatible workspace with state, used by the sandbox command and the tests."""
