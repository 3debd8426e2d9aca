"""Drift analysis at scale: 1,000,000 reference and 1,000,000 current rows × 20 numbers.

    python benchmarks/drift_bench.py [--rows N] [--keep DIR]

Three measurements, each in a fresh process so that peak memory (ru_maxrss) belongs to
that measurement alone: analyse_drift on arrays already in memory, and the CLI function
run_drift on CSV files and on Parquet files. Wall time is the analysis (or the whole
run_drift call: read, analyse, print); "process" adds interpreter start and imports
(and, in memory, generating the data); "CPU" is user + system time of the measured
part, all threads together: the figure to trust when other work shares the machine.
Targets on a 2-core machine: in memory ≤ 1.5 s, CLI on CSV < 15 s, peak memory < 2 GB.
The whole-process comparison with Evidently and NannyML is drift_vs_evidently.py.
Children get the NumPy settings `incidentbot drift` uses (bot/cli/drift.py,
numpy_environment: one OpenBLAS thread; on AMD Zen 4, NumPy's AVX2 sort instead of its
slow AVX-512 one), unless the environment already sets them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.cli.drift import numpy_environment  # noqa: E402

COLUMNS = 20
SEED = 20261127


def make_columns(rows: int, *, current: bool) -> dict[str, np.ndarray]:
    """20 numeric features: 12 unchanged, 5 shifted or rescaled, 2 losing values, and
    one shifted so slightly that its p-value falls where scipy sums Smirnov's exact
    series (the slowest case for the KS p-value)."""
    rng = np.random.default_rng(SEED + int(current))
    cols: dict[str, np.ndarray] = {}
    for i in range(COLUMNS):
        kind = i % 4
        shift = {12: 0.1, 13: 0.2, 14: 0.5, 15: 0.05, 19: 0.004}.get(i, 0.0) if current else 0.0
        if kind == 0:
            values = rng.normal(shift, 1.0, rows)
        elif kind == 1:
            values = rng.lognormal(1.0 + shift, 0.8, rows)
        elif kind == 2:
            values = rng.uniform(0.0, 1.0 + shift, rows)
        else:
            values = rng.integers(0, 1_000, rows).astype(np.float64) * (1 + shift)
        if current and i == 16:
            values = values * 1.5  # rescaled
        if current and i in (17, 18):
            values[rng.random(rows) < 0.08] = np.nan  # a pipeline dropping values
        cols[f"f{i:02d}"] = values
    return cols


def child(mode: str, data_dir: Path, rows: int) -> dict[str, float]:
    from bot.cli.drift import run_drift
    from incidents.drift import analyse_drift

    result: dict[str, float] = {}
    if mode == "memory":
        ref, cur = make_columns(rows, current=False), make_columns(rows, current=True)
        result["rss_before_mb"] = _maxrss_mb()
        cpu, start = _cpu_s(), time.perf_counter()
        report = analyse_drift(ref, cur)
        result["wall_s"] = time.perf_counter() - start
        result["drifted"] = len(report.drifted_columns)
    else:
        suffix = "csv" if mode == "cli-csv" else "parquet"
        out = io.StringIO()
        cpu, start = _cpu_s(), time.perf_counter()
        code = run_drift(
            reference=data_dir / f"reference.{suffix}",
            current=data_dir / f"current.{suffix}",
            prediction=None,
            confidence=None,
            label=None,
            exclude=[],
            as_json=False,
            out=out,
        )
        result["wall_s"] = time.perf_counter() - start
        result["exit"] = code
        result["drifted"] = out.getvalue().count("drift (")
    result["cpu_s"] = _cpu_s() - cpu
    result["peak_rss_mb"] = _maxrss_mb()
    return result


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def write_files(data_dir: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    for name, current in (("reference", False), ("current", True)):
        table = pa.table(make_columns(rows, current=current))
        pa_csv.write_csv(table, data_dir / f"{name}.csv")
        pq.write_table(table, data_dir / f"{name}.parquet")


def measure(mode: str, data_dir: Path, rows: int) -> dict[str, float]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--dir", str(data_dir), "--rows", str(rows)],
        capture_output=True,
        text=True,
        check=False,
        # NumPy configured as `incidentbot drift` configures it (bot/cli/drift.py).
        env={**numpy_environment(), **os.environ, "PYTHONPATH": str(ROOT)},
    )
    if proc.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the data files here and keep them")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.dir, args.rows)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.keep or Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        print(
            f"{args.rows:,} reference + {args.rows:,} current rows × {COLUMNS} numeric "
            f"columns; {os.cpu_count()} CPUs"
        )
        start = time.perf_counter()
        write_files(data_dir, args.rows)
        size = (data_dir / "reference.csv").stat().st_size / 2**20
        print(
            f"wrote CSV ({size:,.0f} MiB each) and Parquet in {time.perf_counter() - start:.1f} s\n"
        )
        print(f"{'measurement':<22}{'wall':>9}{'process':>10}{'CPU':>9}{'peak RSS':>11}  drifted")
        for mode, label, target in (
            ("memory", "in memory", 1.5),
            ("cli-csv", "run_drift on CSV", 15.0),
            ("cli-parquet", "run_drift on Parquet", None),
        ):
            r = measure(mode, data_dir, args.rows)
            verdict = "" if target is None else ("  ok" if r["wall_s"] <= target else "  SLOW")
            print(
                f"{label:<22}{r['wall_s']:>8.2f}s{r['process_s']:>9.2f}s{r['cpu_s']:>8.2f}s"
                f"{r['peak_rss_mb']:>8,.0f} MB  {int(r['drifted'])}{verdict}"
            )
            if mode == "memory":
                print(
                    f"{'':<22}(RSS with the data loaded, before analysis: "
                    f"{r['rss_before_mb']:,.0f} MB)"
                )


if __name__ == "__main__":
    main()
