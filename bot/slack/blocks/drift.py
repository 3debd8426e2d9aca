"""The drift report as a short message: verdict, the features that moved, what happened to
the model's predictions and confidence — in words a client manager can repeat."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, SectionBlock

from bot.slack.blocks.common import md, plain
from bot.slack.mrkdwn import escape, truncate
from incidents.drift import ColumnDrift, DriftReport
from incidents.drift.health import ConfidenceHealth, PerformanceHealth, PredictionHealth

TOP_FEATURES = 5
MAX_NAMES = 8


def headline(report: DriftReport) -> str:
    """One plain line: the verdict and what moved ("drift: 2 of 4 features drifted
    (amount, merchant_category); predictions shifted; confidence falling")."""
    if report.verdict == "insufficient data":
        text = (f"not enough data (reference {report.reference_rows:,} rows, current "
                f"{report.current_rows:,}; at least {report.settings.min_rows:,} each needed)")
    else:
        drifted = report.drifted_columns
        text = (f"{report.verdict}: {len(drifted)} of {len(report.judged_columns)} "
                "features drifted")
        if drifted:
            text += f" ({_names([c.column for c in drifted])})"
    health = report.model_health
    if health.prediction is not None and health.prediction.shifted:
        text += "; predictions shifted"
    if health.confidence is not None and health.confidence.degraded:
        text += "; confidence falling"
    if health.performance is not None and health.performance.degraded:
        text += f"; {health.performance.worst_metric or 'accuracy'} falling"
    if report.only_in_reference:
        text += f"; missing columns: {_names(list(report.only_in_reference))}"
    return text


def drift_summary(
    *, system: str, report: DriftReport, reference: str, current: str
) -> tuple[str, list[Block]]:
    """Fallback text and blocks. `system` is the system's display label."""
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"Drift report: {system}", 150)),
        SectionBlock(text=md(_verdict(report))),
    ]
    features = _features(report)
    if features:
        blocks.append(SectionBlock(text=md(features)))
    model = _model(report)
    if model:
        blocks.append(SectionBlock(text=md(model)))
    columns = _columns_note(report)
    if columns:
        blocks.append(SectionBlock(text=md(columns)))
    settings = report.settings
    blocks.append(ContextBlock(elements=[md(
        f"Reference: {escape(reference)} ({report.reference_rows:,} rows) · "
        f"Current: {escape(current)} ({report.current_rows:,} rows) · "
        f"a feature drifts when its test is significant (Benjamini–Hochberg, α "
        f"{settings.alpha:g}) and the shift is not trivial (PSI ≥ {settings.psi_threshold:g}), "
        f"or when its missing share rises by {100 * settings.null_rate_rise:g} points · "
        "chart and full JSON report below"
    )]))
    text = f"Drift report for {escape(system)}: {escape(headline(report))}"
    return truncate(text, 3000), blocks


def _verdict(report: DriftReport) -> str:
    if report.verdict == "insufficient data":
        return (f":grey_question: *Not enough data for a verdict.* At least "
                f"{report.settings.min_rows:,} rows are needed in each dataset; the reference "
                f"has {report.reference_rows:,}, the current data {report.current_rows:,}.")
    drifted, judged = len(report.drifted_columns), len(report.judged_columns)
    share = f"{100 * (report.drifted_share or 0):.0f}%"
    line = f"the data counts as drifted from {100 * report.settings.dataset_drift_share:.0f}%"
    # One verdict, the report's: any finding is drift; the dataset-wide share only adds
    # how broad it is.
    if report.dataset_drift:
        return (f":warning: *Drift.* {drifted} of {judged} features drifted ({share}; {line}). "
                "The model is seeing data unlike what it was validated on.")
    if report.verdict == "drift" and drifted:
        return (f":warning: *Drift.* {drifted} of {judged} features drifted ({share}; {line}, "
                "so this is drift in some features, not in the data as a whole).")
    if report.verdict == "drift":
        return (f":warning: *Drift.* None of the {judged} features drifted, but the model or "
                "the columns changed (below).")
    return f":white_check_mark: *No drift.* None of the {judged} features moved beyond noise."


def _features(report: DriftReport) -> str:
    drifted = [c for c in report.ranked_columns() if c.drifted]
    if not drifted:
        return ""
    lines = [f"*Top drifted features*{_more(len(drifted))}"]
    lines += [f"• {_feature(c)}" for c in drifted[:TOP_FEATURES]]
    return "\n".join(lines)


def _more(count: int) -> str:
    return f" (the {TOP_FEATURES} largest of {count})" if count > TOP_FEATURES else ""


def _feature(c: ColumnDrift) -> str:
    parts = []
    if c.psi is not None:
        parts.append(f"PSI {c.psi:.2f}" + (f" ({c.psi_band})" if c.psi_band else ""))
    if c.statistic is not None:
        test = f"KS {c.statistic:.2f}" if c.test == "ks" else f"χ² {c.statistic:,.1f}"
        parts.append(test + (f", p {_p(c.p_adjusted)}" if c.p_adjusted is not None else ""))
    if "null rate" in c.reasons:
        parts.append(f"missing {_pct(c.null_rate_reference)} → {_pct(c.null_rate_current)}")
    if c.categories_new_count:
        noun = "category" if c.categories_new_count == 1 else "categories"
        names = ", ".join(escape(n) for n in c.categories_new[:3])
        parts.append(f"{c.categories_new_count:,} new {noun} ({names}"
                     + (", …)" if c.categories_new_count > 3 else ")"))
    return f"*{escape(c.column)}* — " + "; ".join(parts)


def _model(report: DriftReport) -> str:
    health = report.model_health
    lines = []
    if health.prediction is not None:
        lines.append(_prediction(health.prediction, report.settings.positive_threshold))
    if health.confidence is not None:
        lines.append(_confidence(health.confidence))
    if health.performance is not None:
        lines.append(_performance(health.performance))
    lines += [f"_{escape(note)}_" for note in health.notes]
    return "*The model*\n" + "\n".join(lines) if lines else ""


def _prediction(p: PredictionHealth, threshold: float) -> str:
    state = _state(p.drift.verdict == "insufficient data", p.shifted, "shifted", "stable")
    name = f"*Predictions* (`{escape(p.column)}`)"
    before, after = p.positive_rate_reference, p.positive_rate_current
    if before is not None and after is not None:
        cut = f" (score ≥ {threshold:g})" if p.kind == "score" else ""
        text = (f"{name}: the model now flags *{_pct(after)}* of cases as positive{cut}, "
                f"{_direction(before, after)} {_pct(before)} in the reference data")
    else:
        text = f"{name}: {escape(p.summary)}"
    return f"• {text} — {state}"


def _confidence(c: ConfidenceHealth) -> str:
    name = f"*Confidence* (`{escape(c.column)}`)"
    if c.mean_reference is None or c.mean_current is None:
        return f"• {name}: {escape(c.summary)}"
    state = "*falling*" if c.degraded else "steady"
    low = ""
    if c.low_share_reference is not None and c.low_share_current is not None:
        low = (f"; *{_pct(c.low_share_current)}* of predictions are unsure (below "
               f"{c.low_threshold:g}), against {_pct(c.low_share_reference)}")
    return (f"• {name}: average {c.mean_reference:.2f} → {c.mean_current:.2f}{low} — {state}")


def _performance(f: PerformanceHealth) -> str:
    state = _state(f.verdict == "insufficient data", f.degraded, "degraded", "holding")
    return (f"• *Against labels* (`{escape(f.label)}`, {f.n_current:,} labelled current rows): "
            f"{escape(f.summary)} — {state}")


def _columns_note(report: DriftReport) -> str:
    lines = []
    if report.only_in_reference:
        lines.append(":rotating_light: *Missing from the current data:* "
                     f"{escape(_names(list(report.only_in_reference)))} — the pipeline stopped "
                     "sending them.")
    if report.only_in_current:
        lines.append(f"New in the current data (not compared): "
                     f"{escape(_names(list(report.only_in_current)))}")
    if report.skipped:
        lines.append(f"Not compared: {escape(_names(list(report.skipped)))}")
    return "\n".join(lines)


def _state(insufficient: bool, bad: bool, bad_word: str, good_word: str) -> str:
    if insufficient:
        return "not enough data"
    return f"*{bad_word}*" if bad else good_word


def _direction(before: float, after: float) -> str:
    if after > before:
        return "up from"
    return "down from" if after < before else "the same as"


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES])
    return shown + (f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else "")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
