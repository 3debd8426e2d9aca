"""The incident report as text, as JSON and the incident log's CSV rows (same figures)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from incidents.analytics.metrics import TIME_LABELS, TIMES, Compliance, Pattern, Report, Stat
from incidents.deadlines.policy import TITLES
from incidents.response_times import format_duration
from incidents.types import DeadlineKind, Severity

NOT_RECORDED = "(not recorded)"
NO_CLIENT = "(no client)"
DASH = "–"


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat() + "Z"


def duration(seconds: float | None) -> str:
    return format_duration(None if seconds is None else timedelta(seconds=seconds),
                           missing=DASH)


def percent(rate: float | None) -> str:
    return DASH if rate is None else f"{100 * rate:.0f}%"


def signed(value: float | None, unit: str = "") -> str:
    if value is None:
        return DASH
    return f"{'+' if value > 0 else ''}{value:g}{unit}"


def signed_duration(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    sign = "+" if seconds > 0 else "-" if seconds < 0 else "±"
    return f"{sign}{duration(abs(seconds))}"


def pattern_text(p: Pattern) -> str:
    if p.system and p.root_cause:
        return f"{p.system} with root cause {p.root_cause}"
    return f"system {p.system}" if p.system else f"root cause {p.root_cause}"


def not_counted(excluded: dict[str, int]) -> str:
    drills = "drill" if excluded["drill"] == 1 else "drills"
    return (f"{excluded['declined']} declined, {excluded['merged']} merged, "
            f"{excluded['drill']} {drills}")


def _counts(items, none_label: str) -> str:
    return ", ".join(f"{none_label if k is None else k} {n}" for k, n in items) or DASH


# ---------------------------------------------------------------- JSON


def _stat(s: Stat) -> dict[str, Any]:
    return {"count": s.count, "mean_seconds": s.mean, "median_seconds": s.median,
            "p90_seconds": s.p90}


def _compliance(c: Compliance) -> dict[str, Any]:
    rate = None if c.rate is None else round(c.rate, 4)
    return {"met": c.met, "late": c.late, "missed": c.missed, "open": c.open, "rate": rate}


def _severities(counts: dict[int, int]) -> dict[str, int]:
    return {f"sev{s}": n for s, n in counts.items()}


def as_json(report: Report) -> dict[str, Any]:
    p = report.period
    quarters = []
    for q, change in zip(report.quarters, report.changes, strict=True):
        quarters.append({
            "quarter": q.bucket.label, "start": iso(q.bucket.start), "end": iso(q.bucket.end),
            "partial": q.bucket.partial, "incidents": q.incidents,
            "by_severity": _severities(q.by_severity),
            "times": {name: _stat(q.times[name]) for name in TIMES},
            "deadline_compliance": _compliance(q.compliance),
            "change": None if change is None else {
                "incidents": change.incidents, "incidents_pct": change.incidents_pct,
                "median_resolve_seconds": change.median_resolve,
                "compliance_points": change.compliance_points},
        })
    return {
        "period": {"label": p.label, "start": iso(p.start), "end": iso(p.end),
                   "timezone": p.zone_name},
        "generated_at": iso(report.generated_at),
        "filters": report.filters,
        "incidents": report.incidents,
        "excluded": report.excluded,
        "by_severity": _severities(report.by_severity),
        "by_status": report.by_status,
        "by_client": [{"client": k, "count": n} for k, n in report.by_client],
        "by_system": [{"system": k, "count": n} for k, n in report.by_system],
        "by_root_cause": [{"root_cause": k, "count": n} for k, n in report.by_root_cause],
        "times": {name: _stat(report.times[name]) for name in TIMES},
        "deadline_compliance": {
            **{kind: _compliance(c) for kind, c in report.deadlines.items()},
            "all": _compliance(report.deadlines_total),
        },
        "follow_ups": {"total": report.follow_ups.total, "done": report.follow_ups.done,
                       "open": report.follow_ups.open, "overdue": report.follow_ups.overdue},
        "recurring": [{"system": x.system, "root_cause": x.root_cause, "count": x.count}
                      for x in report.patterns],
        "months": [{"month": m.bucket.label, "start": iso(m.bucket.start),
                    "end": iso(m.bucket.end), "partial": m.bucket.partial,
                    "incidents": m.incidents, "by_severity": _severities(m.by_severity),
                    "resolve": _stat(m.times["resolve"])} for m in report.months],
        "quarters": quarters,
    }


# ---------------------------------------------------------------- text


def text(report: Report) -> str:
    p = report.period
    scope = ", ".join(f"{k} {v}" for k, v in report.filters.items() if v)
    ex = report.excluded
    lines = [
        f"Incident report: {p.label}",
        f"Period: {p.describe()}" + (f" · only {scope}" if scope else ""),
        f"Incidents: {report.incidents} (not counted: {not_counted(ex)})",
        "",
        "By severity:    " + ", ".join(f"{Severity(s).label} {n}"
                                       for s, n in report.by_severity.items()),
        "By status:      " + ", ".join(f"{s} {n}" for s, n in report.by_status.items()),
        "By client:      " + _counts(report.by_client, NO_CLIENT),
        "By system:      " + _counts(report.by_system, NOT_RECORDED),
        "By root cause:  " + _counts(report.by_root_cause, NOT_RECORDED),
        "",
        f"{'Response times':<30}{'incidents':>10}  {'mean':>13}  {'median':>13}  {'p90':>13}",
    ]
    for name in TIMES:
        s = report.times[name]
        lines.append(f"  {TIME_LABELS[name]:<28}{s.count:>10}  {duration(s.mean):>13}  "
                     f"{duration(s.median):>13}  {duration(s.p90):>13}")
    lines += ["", f"{'Deadlines':<40}{'met':>7}{'late':>7}{'missed':>8}{'open':>7}"
                  f"{'on time':>9}"]
    rows = [(TITLES[DeadlineKind(k)], c) for k, c in report.deadlines.items()]
    for title, c in [*rows, ("All deadlines", report.deadlines_total)]:
        lines.append(f"  {title:<38}{c.met:>7}{c.late:>7}{c.missed:>8}{c.open:>7}"
                     f"{percent(c.rate):>9}")
    f = report.follow_ups
    lines += ["", f"Follow-ups: {f.total} ({f.done} done, {f.open} open, {f.overdue} overdue)",
              "", f"Recurring ({report.recurring_at} or more in the period):" if report.patterns
              else f"Recurring: nothing recurred {report.recurring_at} or more times"]
    lines += [f"  {pattern_text(x)}: {x.count} incidents" for x in report.patterns]
    if report.spans_quarters:
        lines += ["", f"{'Quarter over quarter':<24}{'incidents':>10}{'change':>9}"
                      f"{'median resolve':>16}{'change':>14}{'on time':>9}{'change':>9}"]
        for q, c in zip(report.quarters, report.changes, strict=True):
            label = q.bucket.label + (" (part)" if q.bucket.partial else "")
            lines.append(
                f"  {label:<22}{q.incidents:>10}"
                f"{signed(c.incidents_pct, '%') if c else DASH:>9}"
                f"{duration(q.times['resolve'].median):>16}"
                f"{signed_duration(c.median_resolve) if c else DASH:>14}"
                f"{percent(q.compliance.rate):>9}"
                f"{signed(c.compliance_points, ' pt') if c else DASH:>9}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the incident log (CSV)

LOG_COLUMNS = (
    "id", "title", "declared_at", "severity", "status", "client", "system",
    "root_cause_category", "root_cause", "business_impact", "resolution_summary",
    "impact_started_at", "first_alert_at", "acknowledged_at", "mitigated_at", "resolved_at",
    "closed_at", "time_to_detect_s", "time_to_acknowledge_s", "time_to_mitigate_s",
    "time_to_resolve_s", "deadlines_met", "deadlines_late", "deadlines_missed",
    "follow_ups_open", "channel",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str | None) -> str:
    """Free text for a spreadsheet: a leading = + - @ would run as a formula when opened."""
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA) else value


def seconds(value: float) -> str:
    """Seconds for the log: whole when whole, else to the millisecond; NaN is empty."""
    if value != value:
        return ""
    return str(int(value)) if value == int(value) else f"{value:.3f}"


def epoch_iso(moments: np.ndarray) -> list[list[str]]:
    """Epoch seconds as `2026-10-25T01:45:00Z`, to the second (the database keeps ms); NaN
    is empty. A whole batch at once: a log can have a hundred thousand rows."""
    moments = np.asarray(moments, dtype=float)
    whole = np.floor(np.round(moments, 3))
    texts = np.datetime_as_string(np.where(np.isnan(whole), 0, whole).astype("datetime64[s]"),
                                  unit="s")
    return np.where(np.isnan(whole), "", np.char.add(texts, "Z")).tolist()


def log_row(row: Sequence[Any], stamps: Sequence[str], spans: Sequence[float]) -> list[Any]:
    """One incident of the log from write_log's columns: id, title, severity, status,
    client, system, root cause category, root cause, impact, resolution, channel, seven
    moments (as `stamps`: opened, impact start, first alert, acknowledged, mitigated,
    resolved, closed), then deadlines met, late, missed and open follow-ups."""
    (incident_id, title, severity, status, client, system, category, cause, impact,
     resolution, channel) = row[:11]
    met, late, missed, follow_ups = row[18:]
    opened, impact_start, first_alert, acknowledged, mitigated, resolved, closed = stamps
    return [
        incident_id, cell(title), opened, f"Sev{severity}", status, cell(client),
        cell(system), cell(category), cell(cause), cell(impact), cell(resolution),
        impact_start, first_alert, acknowledged, mitigated, resolved, closed,
        *(seconds(v) for v in spans), met, late, missed, follow_ups, channel or "",
    ]
