"""PNG charts for Slack, drawn headless: matplotlib's Agg canvas on a Figure of our own, no
pyplot and its global state, so charts can be drawn in worker threads side by side.

Import this module lazily (matplotlib takes a while to load): the listener does it in the
thread that draws.
"""

from __future__ import annotations

import io
import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from incidents.analytics.metrics import Report, Slice
from incidents.types import Severity

# The severity emoji colours used in Slack messages (🔴 🟠 🟡 🔵).
SEVERITY_COLOURS = {1: "#d62728", 2: "#ff7f0e", 3: "#f2c40f", 4: "#1f77b4"}
MAX_BARS = 24  # beyond two years of months, quarters read better
ALT_TEXT = ("Two charts: incidents per {unit} stacked by severity, and the median and 90th "
            "percentile time to resolve per {unit}.")


def chart_slices(report: Report) -> tuple[list[Slice], str]:
    if len(report.months) <= MAX_BARS:
        return report.months, "month"
    return report.quarters, "quarter"


def _hours_or_minutes(values: list[float | None]) -> tuple[float, str]:
    known = [v for v in values if v is not None]
    return (60.0, "minutes") if known and max(known) < 2 * 3600 else (3600.0, "hours")


def stats_chart(report: Report) -> bytes:
    """Incidents by severity per month (bars) and the time-to-resolve trend (lines)."""
    slices, unit = chart_slices(report)
    figure = Figure(figsize=(9, 6.5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    bars, trend = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    x = list(range(len(slices)))
    labels = [s.bucket.label + ("*" if s.bucket.partial else "") for s in slices]
    bottom = [0] * len(slices)
    for severity in Severity:
        counts = [s.by_severity[int(severity)] for s in slices]
        bars.bar(x, counts, bottom=bottom, color=SEVERITY_COLOURS[int(severity)],
                 label=severity.label, width=0.7)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    bars.set_ylabel("Incidents")
    bars.yaxis.set_major_locator(MaxNLocator(integer=True))
    bars.set_ylim(0, max([*bottom, 1]) * 1.15)
    bars.legend(ncols=4, loc="upper left", frameon=False)
    bars.set_title(f"Incidents by severity per {unit}", loc="left", fontsize=11)

    medians = [s.times["resolve"].median for s in slices]
    p90s = [s.times["resolve"].p90 for s in slices]
    scale, scale_name = _hours_or_minutes(p90s)

    def scaled(values: list[float | None]) -> list[float]:
        return [math.nan if v is None else v / scale for v in values]

    trend.plot(x, scaled(medians), marker="o", color="#333333", label="median")
    trend.plot(x, scaled(p90s), marker="o", linestyle="--", color="#999999", label="p90")
    trend.set_ylabel(f"Time to resolve ({scale_name})")
    trend.set_ylim(bottom=0)
    trend.legend(loc="upper left", frameon=False)
    trend.set_title(f"Time to resolve per {unit}", loc="left", fontsize=11)
    if len(x) > 8:
        trend.set_xticks(x, labels, rotation=45, ha="right", rotation_mode="anchor")
    else:
        trend.set_xticks(x, labels)
    trend.grid(axis="y", alpha=0.3)
    partial = " (* partly in the period)" if any(s.bucket.partial for s in slices) else ""
    figure.suptitle(f"Incidents {report.period.label}, {report.period.zone_name}{partial}")
    buffer = io.BytesIO()
    # No software/date metadata: the same figures give the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def alt_text(report: Report) -> str:
    return ALT_TEXT.format(unit=chart_slices(report)[1])
