"""Turning each source's payload into `AlertIn`s. Pure: JSON in, models or a PayloadError out."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from incidents.alerts.schema import AlertIn

MAX_ALERTS_PER_REQUEST = 1000
# Alertmanager sends this for "no end yet".
_ZERO_TIME = "0001-01-01T00:00:00Z"


class PayloadError(Exception):
    def __init__(self, status: int, message: str, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []


def _none_as_empty(value: Any) -> Any:
    return {} if value is None else value


# Labels and annotations: an object, or null (sent by some exporters for "none").
_Mapping = Annotated[dict[str, Any], BeforeValidator(_none_as_empty)]


def _invalid(exc: ValidationError, prefix: str) -> PayloadError:
    """A 422 naming every field that is wrong, the first one in the message."""
    details = []
    for error in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in error["loc"])
        details.append({"field": prefix + field, "error": error["msg"]})
    first = details[0]
    return PayloadError(422, f"{first['field']}: {first['error']}", details)


def _validate(items: list[dict[str, Any]], where: str) -> list[AlertIn]:
    if len(items) > MAX_ALERTS_PER_REQUEST:
        raise PayloadError(413, f"at most {MAX_ALERTS_PER_REQUEST} alerts per request")
    alerts, details = [], []
    for index, item in enumerate(items):
        try:
            alerts.append(AlertIn.model_validate(item))
        except ValidationError as exc:
            details += [{"alert": index, **detail}
                        for detail in _invalid(exc, f"{where}[{index}].").details]
    if details:
        first = details[0]
        raise PayloadError(422, f"{first['field']}: {first['error']}", details)
    return alerts


def generic(payload: Any) -> list[AlertIn]:
    items = payload if isinstance(payload, list) else [payload]
    if not items or not all(isinstance(item, dict) for item in items):
        raise PayloadError(422, "expected an alert object or a non-empty list of them")
    return _validate(items, "alerts")


class _Entry(BaseModel):
    """One alert of an Alertmanager or Grafana group: the shape both send."""

    model_config = ConfigDict(extra="ignore")
    status: str = "firing"
    labels: _Mapping = Field(default_factory=dict)
    annotations: _Mapping = Field(default_factory=dict)
    startsAt: str | None = None
    fingerprint: str | None = None
    values: _Mapping | None = None  # Grafana: the query results, e.g. {"B": 0.41}
    generatorURL: str | None = None
    dashboardURL: str | None = None
    panelURL: str | None = None


class _Group(BaseModel):
    model_config = ConfigDict(extra="ignore")
    version: str | int = "4"
    alerts: list[_Entry]
    commonLabels: _Mapping = Field(default_factory=dict)
    commonAnnotations: _Mapping = Field(default_factory=dict)


def _group(payload: Any, source: str) -> _Group:
    if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
        raise PayloadError(422, f"not a {source} webhook payload: 'alerts' list missing")
    try:
        return _Group.model_validate(payload)
    except ValidationError as exc:
        raise _invalid(exc, "") from None


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


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _mapped(alert: _Entry, common_labels: dict, common_annotations: dict) -> dict[str, Any]:
    """Alertmanager and Grafana share this shape: labels, annotations, startsAt, fingerprint."""
    labels = {**common_labels, **alert.labels}
    annotations = {**common_annotations, **alert.annotations}
    links = {
        key: _text(value)
        for key, value in {
            "runbook": annotations.get("runbook_url"),
            "dashboard": annotations.get("dashboard") or alert.dashboardURL,
            "panel": alert.panelURL,
            "source": alert.generatorURL,
        }.items()
        if value
    }
    item: dict[str, Any] = {
        "system": _text(labels.get("system") or labels.get("model") or labels.get("service")),
        "title": _text(annotations.get("summary") or labels.get("alertname") or "Alert"),
        "status": alert.status,
        "description": _text(annotations.get("description")),
        "fingerprint": alert.fingerprint,
        "labels": labels,
        "links": links,
    }
    if labels.get("signal"):
        item["signal"] = labels["signal"]
    if labels.get("severity"):
        item["severity"] = _text(labels["severity"])
    if alert.startsAt and alert.startsAt != _ZERO_TIME:
        item["started_at"] = alert.startsAt
    metric = _metric(labels, annotations, alert.values)
    if metric:
        item["metric"] = metric
    return item


def alertmanager(payload: Any) -> list[AlertIn]:
    group = _group(payload, "Alertmanager")
    if str(group.version) != "4":
        raise PayloadError(422, f"unsupported Alertmanager payload version {group.version}")
    return _validate([_mapped(a, group.commonLabels, group.commonAnnotations)
                      for a in group.alerts], "alerts")


def grafana(payload: Any) -> list[AlertIn]:
    group = _group(payload, "Grafana")
    return _validate([_mapped(a, group.commonLabels, group.commonAnnotations)
                      for a in group.alerts], "alerts")


PARSERS = {"alertmanager": alertmanager, "grafana": grafana, "generic": generic}
