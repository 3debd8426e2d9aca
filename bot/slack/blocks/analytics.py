"""`/incident stats`: the incident report as one Slack message (mrkdwn), posted with its chart.

Built from the report's data only. Everything that came from alerts or people (system,
client and root cause keys) is escaped; long breakdowns are cut to the most frequent.
"""

from __future__ import annotations

from bot.slack.blocks.common import SEVERITY_EMOJI
from bot.slack.mrkdwn import escape, user
from incidents.analytics.metrics import TIME_LABELS, TIMES, Report
from incidents.analytics.report_format import (
    duration,
    not_counted,
    pattern_text,
    percent,
    signed,
    signed_duration,
)
from incidents.deadlines.policy import TITLES
from incidents.types import DeadlineKind

TOP = 5


def _incidents(count: int) -> str:
    return f"{count} incident" + ("" if count == 1 else "s")


def _breakdown(items: list[tuple[str | None, int]], none_label: str) -> str:
    shown = [f"{escape(k) if k is not None else none_label} {n}" for k, n in items[:TOP]]
    more = len(items) - TOP
    return " · ".join(shown) + (f" · _+{more} more_" if more > 0 else "") if shown else "–"


def _quarters(report: Report) -> list[str]:
    lines = []
    for q, change in zip(report.quarters, report.changes, strict=True):
        label = q.bucket.label + (" (part)" if q.bucket.partial else "")
        rate = percent(q.compliance.rate if q.compliance else None)
        line = (f"• {label}: {_incidents(q.incidents)}, median time to resolve "
                f"{duration(q.times['resolve'].median)}, deadlines on time {rate}")
        if change is not None:
            line += (f" _({signed(change.incidents_pct, '%')} incidents, "
                     f"{signed_duration(change.median_resolve)} to resolve, "
                     f"{signed(change.compliance_points, ' pt')} on time)_")
        lines.append(line)
    return lines


def stats_message(report: Report, *, requested_by: str, command: str) -> str:
    p = report.period
    lines = [
        f":bar_chart: *Incident stats, {escape(p.label)}* ({escape(p.describe())})",
        f"*{_incidents(report.incidents)}* (not counted: {not_counted(report.excluded)})",
        "*Severity:* " + " · ".join(f"{SEVERITY_EMOJI[s]} Sev{s} {n}"
                                    for s, n in report.by_severity.items()),
        "*Status:* " + " · ".join(f"{s} {n}" for s, n in report.by_status.items()),
        "*Clients:* " + _breakdown(report.by_client, "no client"),
        "*Systems:* " + _breakdown(report.by_system, "unknown"),
        "*Root causes:* " + _breakdown(report.by_root_cause, "not recorded"),
        "",
        "*Response times* (mean / median / p90, incidents with the figure):",
    ]
    for name in TIMES:
        s = report.times[name]
        lines.append(f"• {TIME_LABELS[name]}: {duration(s.mean)} / {duration(s.median)} / "
                     f"{duration(s.p90)} ({s.count})")
    total = report.deadlines_total
    lines += ["", f"*Deadlines on time:* {percent(total.rate)} ({total.met} of {total.decided}"
                  f"{f', {total.open} still open' if total.open else ''})"]
    for kind, c in report.deadlines.items():
        if c.decided or c.open:
            lines.append(f"• {TITLES[DeadlineKind(kind)]}: {percent(c.rate)} ({c.met} met, "
                         f"{c.late} late, {c.missed} missed)")
    f = report.follow_ups
    lines += ["", f"*Follow-ups:* {f.open} open, {f.overdue} overdue ({f.total} in all)"]
    if report.patterns:
        shown = [f"{escape(pattern_text(x))} ×{x.count}" for x in report.patterns[:TOP]]
        lines.append(f"*Recurring ({report.recurring_at}+):* " + " · ".join(shown))
    if report.spans_quarters:
        lines += ["", "*Quarter over quarter:*", *_quarters(report)]
    lines += ["", f"_Asked by {user(requested_by)} with `{escape(command)}`. "
                  "Declined, merged and drill incidents are left out._"]
    return "\n".join(lines)
