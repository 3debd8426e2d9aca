"""Adapters of incidentbot: Slack listeners, HTTP routes, scheduler wiring, CLI and sandbox."""
