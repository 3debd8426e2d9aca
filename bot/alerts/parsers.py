"""Turning each source's payload into `AlertIn`s. Pure: JSON in, models or a PayloadError out."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from incidents.alerts import AlertIn

MAX_ALERTS_PER_REQUEST = 1000
# Alertmanager sends this for "no end yet".
_ZERO_TIME = "0001-01-01T00:00:00Z"


class PayloadError(Exception):
    def __init__(self, status: int, message: str, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []


def _validate(items: list[dict[str, Any]], where: str) -> list[AlertIn]:
    if len(items) > MAX_ALERTS_PER_REQUEST:
        raise PayloadError(413, f"at most {MAX_ALERTS_PER_REQUEST} alerts per request")
    alerts, details = [], []
    for index, item in enumerate(items):
        try:
            alerts.append(AlertIn.model_validate(item))
        except ValidationError as exc:
            for error in exc.errors(include_url=False, include_input=False):
                loc = ".".join(str(part) for part in error["loc"])
                details.append({"alert": index, "field": loc, "error": error["msg"]})
    if details:
        first = details[0]
        raise PayloadError(
            422, f"{where}[{first['alert']}].{first['field']}: {first['error']}", details
        )
    return alerts


def generic(payload: Any) -> list[AlertIn]:
    items = payload if isinstance(payload, list) else [payload]
    if not items or not all(isinstance(item, dict) for item in items):
        raise PayloadError(422, "expected an alert object or a non-empty list of them")
    return _validate(items, "alerts")


def _metric(labels: dict, annotations: dict, values: dict | None = None) -> dict | None:
    value = annotations.get("value", labels.get("value"))
    if value is None and values:
        value = next(iter(values.values()), None)
    if value is None:
        return None
    metric = {"name": annotations.get("metric") or labels.get("metric") or labels.get(
        "alertname", "metric"), "value": value}
    for key in ("baseline", "threshold"):
        if annotations.get(key, labels.get(key)) is not None:
            metric[key] = annotations.get(key, labels.get(key))
    return metric


def _mapped(alert: dict, common_labels: dict, common_annotations: dict) -> dict[str, Any]:
    """Alertmanager and Grafana share this shape: labels, annotations, startsAt, fingerprint."""
    if not isinstance(alert, dict):
        raise PayloadError(422, "each entry of alerts must be an object")
    labels = {**common_labels, **(alert.get("labels") or {})}
    annotations = {**common_annotations, **(alert.get("annotations") or {})}
    links = {
        key: value
        for key, value in {
            "runbook": annotations.get("runbook_url"),
            "dashboard": annotations.get("dashboard") or alert.get("dashboardURL"),
            "panel": alert.get("panelURL"),
            "source": alert.get("generatorURL"),
        }.items()
        if value
    }
    item: dict[str, Any] = {
        "system": labels.get("system") or labels.get("model") or labels.get("service") or "",
        "title": annotations.get("summary") or labels.get("alertname") or "Alert",
        "status": alert.get("status", "firing"),
        "description": annotations.get("description", ""),
        "fingerprint": alert.get("fingerprint"),
        "labels": labels,
        "links": links,
    }
    if labels.get("signal"):
        item["signal"] = labels["signal"]
    if labels.get("severity"):
        item["severity"] = labels["severity"]
    if alert.get("startsAt") and alert["startsAt"] != _ZERO_TIME:
        item["started_at"] = alert["startsAt"]
    metric = _metric(labels, annotations, alert.get("values"))
    if metric:
        item["metric"] = metric
    return item


def _alerts_list(payload: Any, source: str) -> tuple[list, dict, dict]:
    if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
        raise PayloadError(422, f"not a {source} webhook payload: 'alerts' list missing")
    return (
        payload["alerts"],
        payload.get("commonLabels") or {},
        payload.get("commonAnnotations") or {},
    )


def alertmanager(payload: Any) -> list[AlertIn]:
    alerts, labels, annotations = _alerts_list(payload, "Alertmanager")
    if str(payload.get("version", "4")) != "4":
        raise PayloadError(422, f"unsupported Alertmanager payload version {payload['version']}")
    return _validate([_mapped(a, labels, annotations) for a in alerts], "alerts")


def grafana(payload: Any) -> list[AlertIn]:
    alerts, labels, annotations = _alerts_list(payload, "Grafana")
    return _validate([_mapped(a, labels, annotations) for a in alerts], "alerts")


PARSERS = {"alertmanager": alertmanager, "grafana": grafana, "generic": generic}
