"""`incidentbot drift`: compare two CSV/Parquet files and print a drift report.

Exit status: 0 nothing found, 1 drift found (any signal: drifted column, shifted
predictions, falling confidence or performance, a column gone from current data),
2 the files cannot be compared (unreadable, no shared columns, mismatched types).
The report's one verdict ("Verdict:" line, "verdict" in JSON) is the exit code in words:
"DRIFT" for 1, "no drift" or "insufficient data" (too few rows to judge) for 0.

This module imports no NumPy, pyarrow or typer until a report is computed: the console
script (bot/cli/__init__.py) parses a well-formed `incidentbot drift …` line here and
runs it without loading typer, which alone costs a tenth of a run on 100,000 rows
(README, "Performance"); every other line, and any line this parser is not sure of,
goes to typer (bot/cli/commands.py), so help and errors read as they always have.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from incidents.drift import ColumnDrift, DriftReport, DriftSettings

EXIT_OK = 0
EXIT_DRIFT = 1
EXIT_ERROR = 2

# The options of `incidentbot drift` (bot/cli/commands.py, `drift`) that take a value,
# by the DriftCommand field they set; "--exclude" may be repeated, "--json" is a flag.
VALUE_OPTIONS = {"--reference": "reference", "--current": "current",
                 "--prediction": "prediction", "--confidence": "confidence",
                 "--label": "label", "--exclude": "exclude"}
JSON_FLAG = "--json"


@dataclass(frozen=True)
class DriftCommand:
    """One `incidentbot drift` command line, as typer hands it to the command."""

    reference: Path
    current: Path
    prediction: str | None = None
    confidence: str | None = None
    label: str | None = None
    exclude: tuple[str, ...] = field(default=())
    as_json: bool = False


def parse_command_line(args: list[str]) -> DriftCommand | None:
    """The command for the arguments after `drift`, or None for anything but a plain,
    complete line: help, unknown or repeated options, missing files, values that begin
    with "-" (typer takes those as values, a person usually means an option). None sends
    the line to typer, which prints the help or the error it always has."""
    values: dict[str, str] = {}
    excluded: list[str] = []
    as_json = False
    rest = iter(args)
    for arg in rest:
        if arg == JSON_FLAG:
            as_json = True
            continue
        name, equals, value = arg.partition("=")
        if name not in VALUE_OPTIONS:
            return None
        if not equals:
            value = next(rest, "")
        if not value or value.startswith("-"):
            return None
        target = VALUE_OPTIONS[name]
        if target == "exclude":
            excluded.append(value)
        elif target in values:
            return None
        else:
            values[target] = value
    if "reference" not in values or "current" not in values:
        return None
    return DriftCommand(
        reference=Path(values.pop("reference")), current=Path(values.pop("current")),
        exclude=tuple(excluded), as_json=as_json, **values)


def run_command(command: DriftCommand) -> int:
    """Run `incidentbot drift` as the command line asked; returns the exit status."""
    columns = [name.strip() for item in command.exclude for name in item.split(",")
               if name.strip()]
    return run_drift(
        reference=command.reference, current=command.current, prediction=command.prediction,
        confidence=command.confidence, label=command.label, exclude=columns,
        as_json=command.as_json, out=sys.stdout,
    )


# NumPy ≥ 2.4's names for its AVX-512 dispatch targets.
AVX512_TARGETS = "X86_V4,AVX512_ICL,AVX512_SPR"
# AMD's family 25 (0x19) is Zen 3 and Zen 4; only Zen 4 has AVX-512.
ZEN4_FAMILY = "25"


def numpy_environment(cpu: str | None = None, numpy_version: str | None = None) -> dict[str, str]:
    """Settings the console script gives NumPy before anything imports it, for every
    command: a drift run, and `serve` and `sandbox`, whose /incident drift and drift
    monitors analyse the same way (the user's own settings win).

    - OPENBLAS_NUM_THREADS=1: the analysis uses no BLAS, but OpenBLAS starts a thread
      per core at NumPy's import and they spin waiting for work: on two cores that took
      ~0.18 s of CPU from a 0.7 s run, CPU that pyarrow and the column threads use.
    - NPY_DISABLE_CPU_FEATURES on AMD Zen 4: NumPy's AVX-512 sort (x86-simd-sort)
      writes through `vpcompress` to memory, which Zen 4 runs in microcode. There
      np.sort of 100,000 floats took 5.0 ms, with the AVX2 sort 0.9 ms (1,000,000: 53
      against 9.6 ms), and sorting is most of a drift analysis; NumPy's other loops run
      as fast on AVX2. Left alone on other CPUs and on NumPy before 2.4, whose targets
      have other names.

    `cpu` (the first block of /proc/cpuinfo) and `numpy_version` are read when not given.
    """
    settings = {"OPENBLAS_NUM_THREADS": "1"}
    cpu = _first_cpu() if cpu is None else cpu
    fields = dict((key.strip(), value.strip()) for key, _, value in
                  (line.partition(":") for line in cpu.splitlines()))
    zen4 = (fields.get("vendor_id") == "AuthenticAMD" and fields.get("cpu family") == ZEN4_FAMILY
            and "avx512f" in fields.get("flags", "").split())
    if not zen4 or "NPY_ENABLE_CPU_FEATURES" in os.environ:
        return settings
    version = _numpy_version() if numpy_version is None else numpy_version
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        return settings
    if (major, minor) >= (2, 4):
        settings["NPY_DISABLE_CPU_FEATURES"] = AVX512_TARGETS
    return settings


def _first_cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            return cpuinfo.read(8192).split("\n\n", 1)[0]
    except OSError:
        return ""


def _numpy_version() -> str:
    """NumPy's version without importing it (its version.py holds `version = "…"`)."""
    import importlib.util
    import re

    spec = importlib.util.find_spec("numpy")
    if spec is None or not spec.submodule_search_locations:
        return ""
    try:
        text = (Path(next(iter(spec.submodule_search_locations))) / "version.py").read_text()
    except OSError:
        return ""
    found = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return found.group(1) if found else ""


def run_drift(
    *,
    reference: Path,
    current: Path,
    prediction: str | None,
    confidence: str | None,
    label: str | None,
    exclude: list[str],
    as_json: bool,
    out: TextIO,
    settings: DriftSettings | None = None,
) -> int:
    """Load both files, analyse them and write the report to `out`; returns the exit
    status. Errors go to stderr as one line."""
    from incidents.drift import DriftDataError, analyse_drift
    from incidents.drift.loading import load_table

    try:
        ref = load_table(reference, role="reference")
        cur = load_table(current, role="current")
        report = analyse_drift(
            ref.columns,
            cur.columns,
            prediction=prediction,
            confidence=confidence,
            label=label,
            exclude=exclude or [],
            settings=settings,
        )
    except DriftDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if as_json:
        data = {"reference": str(reference), "current": str(current), **report.to_dict()}
        out.write(json.dumps(data, indent=2, allow_nan=False) + "\n")
    else:
        out.write(render_report(report, reference=str(reference), current=str(current)))
    return EXIT_DRIFT if report.drift_found else EXIT_OK


def render_report(report: DriftReport, *, reference: str, current: str) -> str:
    """The human-readable report: a table ranked by effect size, then the verdicts."""
    lines = [
        f"Reference: {reference} ({report.reference_rows:,} rows)",
        f"Current:   {current} ({report.current_rows:,} rows)",
        "",
    ]
    ranked = report.ranked_columns()
    if ranked:
        lines += _table(ranked)
        lines += _category_notes(ranked)
        lines.append("")
    else:
        lines += ["No feature columns to compare.", ""]
    lines.append(_dataset_line(report))
    lines += _health_lines(report)
    if report.only_in_reference:
        lines.append("Missing from current: " + ", ".join(report.only_in_reference))
    if report.only_in_current:
        lines.append("New in current (not compared): " + ", ".join(report.only_in_current))
    for name, reason in report.skipped.items():
        lines.append(f"Skipped {name}: {reason}")
    return "\n".join(lines) + "\n"


HEADERS = ("column", "type", "test", "p (BH)", "PSI", "W/σ", "missing ref → cur", "verdict")
RIGHT_ALIGNED = {3, 5}


def _table(columns: list[ColumnDrift]) -> list[str]:
    rows = [HEADERS] + [_row(c) for c in columns]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS))]
    out = []
    for n, row in enumerate(rows):
        cells = [
            cell.rjust(widths[i]) if i in RIGHT_ALIGNED and n else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def _row(c: ColumnDrift) -> tuple[str, ...]:
    if c.statistic is None:
        test = "—"
    elif c.test == "ks":
        test = f"KS {c.statistic:.3f}"
    else:
        test = f"χ² {c.statistic:.1f}"
    psi = "—" if c.psi is None else f"{c.psi:.3f} {c.psi_band}"
    wass = "—" if c.wasserstein is None else f"{c.wasserstein:.3f}"
    missing = f"{_pct(c.null_rate_reference)} → {_pct(c.null_rate_current)}"
    verdict = c.verdict + (f" ({', '.join(c.reasons)})" if c.reasons else "")
    return (c.column, c.kind, test, _p(c.p_adjusted), psi, wass, missing, verdict)


def _category_notes(columns: list[ColumnDrift]) -> list[str]:
    notes = []
    for c in columns:
        parts = []
        if c.categories_new_count:
            parts.append(
                f"{_count(c.categories_new_count, 'new category', 'new categories')} "
                f"({_pct(c.new_category_share or 0.0)} of current rows): "
                + _names(c.categories_new, c.categories_new_count)
            )
        if c.categories_vanished_count:
            parts.append(
                f"{_count(c.categories_vanished_count, 'category', 'categories')} gone: "
                + _names(c.categories_vanished, c.categories_vanished_count)
            )
        if parts:
            notes.append(f"  {c.column}: " + "; ".join(parts))
    return ["", *notes] if notes else []


def _dataset_line(report: DriftReport) -> str:
    """The verdict, as the exit code gives it, with what it rests on."""
    judged = len(report.judged_columns)
    drifted = len(report.drifted_columns)
    if report.drifted_share is None:
        min_rows = report.settings.min_rows
        basis = (f"need at least {min_rows:,} rows in each file; reference "
                 f"{report.reference_rows:,}, current {report.current_rows:,}")
    else:
        basis = f"{drifted} of {judged} columns drifted ({_pct(report.drifted_share)})"
        if report.dataset_drift:
            basis += (f": the dataset as a whole drifted (at least "
                      f"{_pct(report.settings.dataset_drift_share)} of its columns)")
    others = [s.summary for s in report.findings() if s.signal != "feature_distribution"]
    verdict = "DRIFT" if report.verdict == "drift" else report.verdict
    return f"Verdict: {verdict} — " + "; ".join([basis, *others])


def _health_lines(report: DriftReport) -> list[str]:
    health = report.model_health
    lines = []
    if health.prediction is not None:
        p = health.prediction
        state = (
            p.drift.verdict
            if p.drift.verdict == "insufficient data"
            else ("SHIFTED" if p.shifted else "stable")
        )
        lines.append(f"Prediction {p.column} ({p.kind}): {p.summary} — {state}")
    if health.confidence is not None:
        c = health.confidence
        lines.append(f"Confidence {c.column}: {c.summary} — {'DEGRADED' if c.degraded else 'ok'}")
    if health.performance is not None:
        f = health.performance
        state = "DEGRADED" if f.degraded else f.verdict
        lines.append(
            f"Performance {f.label} vs {f.prediction} "
            f"({f.n_reference:,} → {f.n_current:,} labelled rows): {f.summary} — {state}"
        )
    lines += [f"Note: {note}" for note in health.notes]
    return lines


def _p(p: float | None) -> str:
    if p is None:
        return "—"
    if p == 0:
        return "<1e-300"
    return f"{p:.1e}" if p < 0.001 else f"{p:.3f}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _names(names: tuple[str, ...], total: int) -> str:
    shown = ", ".join(repr(n) for n in names)
    return shown + (f", … ({total - len(names):,} more)" if total > len(names) else "")
