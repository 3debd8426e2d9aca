"""Everything that talks to Slack: listeners, Block Kit builders, the outbox worker."""
