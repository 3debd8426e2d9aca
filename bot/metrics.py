"""Prometheus metrics, in a registry per app so tests and sandboxes never share counters."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class _DatabaseCollector(Collector):
    """Gauges read from the database at scrape time, so they survive restarts."""

    def __init__(self, read: Callable[[], dict]) -> None:
        self._read = read

    def collect(self) -> Iterable[Metric]:
        snapshot = self._read()
        incidents = GaugeMetricFamily(
            "incidentbot_incidents", "Incidents by severity and status",
            labels=["severity", "status"],
        )
        for (severity, status), count in snapshot.get("incidents", {}).items():
            incidents.add_metric([f"sev{severity}", status], count)
        yield incidents
        yield GaugeMetricFamily(
            "incidentbot_outbox_backlog", "Slack work waiting in the outbox",
            value=snapshot.get("outbox_backlog", 0),
        )
        yield GaugeMetricFamily(
            "incidentbot_outbox_oldest_seconds",
            "Age of the oldest undelivered Slack work (0 when none): a stuck outbox grows it",
            value=snapshot.get("outbox_oldest_seconds", 0),
        )
        yield GaugeMetricFamily(
            "incidentbot_outbox_claimed",
            "Outbox items this replica holds a claim on right now",
            value=snapshot.get("outbox_claimed", 0),
        )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.alerts_received = Counter(
            "incidentbot_alerts_received", "Alerts received by source and outcome",
            ["source", "outcome"], registry=self.registry,
        )
        self.incidents_opened = Counter(
            "incidentbot_incidents_opened", "Incidents opened, by how",
            ["how"], registry=self.registry,
        )
        self.reminders_sent = Counter(
            "incidentbot_reminders_sent", "Deadline reminders and escalations sent",
            ["kind"], registry=self.registry,
        )
        self.slack_api_errors = Counter(
            "incidentbot_slack_api_errors", "Failed Slack Web API calls",
            ["method", "error"], registry=self.registry,
        )
        self.ack_latency = Histogram(
            "incidentbot_ack_latency_seconds", "Time to answer a Slack request",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5),
            registry=self.registry,
        )
        self.outbox_given_up = Counter(
            "incidentbot_outbox_given_up", "Slack work given up after a permanent error",
            ["kind"], registry=self.registry,
        )
        self.outbox_rate_limited = Counter(
            "incidentbot_outbox_rate_limited",
            "Slack work put off because Slack answered 429 (its incident waits, others go on)",
            ["kind"], registry=self.registry,
        )
        self.alert_batch_size = Histogram(
            "incidentbot_alert_batch_size", "Alerts committed together (group commit)",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500), registry=self.registry,
        )
        self.monitor_failures = Counter(
            "incidentbot_monitor_failures", "Drift monitor runs that failed",
            ["system"], registry=self.registry,
        )

    def watch_database(self, read: Callable[[], dict]) -> None:
        self.registry.register(_DatabaseCollector(read))

    def render(self) -> bytes:
        return generate_latest(self.registry)
