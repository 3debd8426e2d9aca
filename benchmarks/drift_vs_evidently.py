"""`incidentbot drift --json` against Evidently's DataDriftPreset (and NannyML's univariate
drift, if it installs), whole processes on the same two CSV files in the same run.

    python benchmarks/drift_vs_evidently.py [--rows 100000] [--runs 5] [--no-nannyml]

The files: 100,000 reference and 100,000 current rows × 25 columns (20 numeric, 5
categorical); 5 numeric columns and 1 categorical are shifted in the current file.
Evidently 0.7.23 (with pandas < 3, which it needs) and NannyML are installed once into
their own virtual environments under ~/.cache/incidentbot-bench (override with
INCIDENTBOT_BENCH_CACHE), never into the project's. Each tool runs as a fresh process per
run — interpreter start, imports, reading the CSVs, the analysis, JSON out — runs
interleaved so that load from other work on the machine falls on all of them alike.
Each tool runs once untimed before the timed runs. Printed: every run's wall time, the
median and range per tool, the ratio of medians and the range of per-run ratios, and the
drifted columns each tool found.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("INCIDENTBOT_BENCH_CACHE",
                           Path.home() / ".cache" / "incidentbot-bench"))
EVIDENTLY = ("evidently-0.7.23", ["evidently==0.7.23", "pandas<3"])
NANNYML = ("nannyml", ["nannyml", "statsmodels"])  # its plots import statsmodels
SEED = 20261203
SHIFTED_NUMERIC = {"n15": 0.2, "n16": 0.3, "n17": 0.5, "n18": 0.1, "n19": 0.8}
SHIFTED_CATEGORICAL = "c4"

EVIDENTLY_RUN = """
import json, sys
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
ref, cur = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
snapshot = Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)
# p-value methods drift below their threshold, distances (Wasserstein, Jensen-Shannon,
# which Evidently picks above 1,000 rows) at or above it.
drifted = [m["config"]["column"] for m in snapshot.dict()["metrics"]
           if m["config"].get("column")
           and ((m["value"] < m["config"]["threshold"]) if "p_value" in m["config"]["method"]
                else (m["value"] >= m["config"]["threshold"]))]
print(json.dumps(sorted(drifted)))
"""

NANNYML_RUN = """
import json, sys
import warnings
import pandas as pd
import nannyml as nml
warnings.filterwarnings("ignore")
ref, cur = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
columns = list(ref.columns)
# Ten chunks each: NannyML's alert thresholds come from the spread across reference chunks.
calc = nml.UnivariateDriftCalculator(column_names=columns, chunk_number=10,
                                     continuous_methods=["kolmogorov_smirnov"],
                                     categorical_methods=["chi2"])
calc.fit(ref)
result = calc.calculate(cur).filter(period="analysis").to_df()
drifted = sorted({c for c in columns for m in ("kolmogorov_smirnov", "chi2")
                  if (c, m, "alert") in result.columns and bool(result[(c, m, "alert")].any())})
print(json.dumps(drifted))
"""


def make_table(rows: int, *, current: bool) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED + int(current))
    cols: dict[str, np.ndarray] = {}
    for i in range(20):
        name = f"n{i:02d}"
        shift = SHIFTED_NUMERIC.get(name, 0.0) if current else 0.0
        kind = i % 4
        if kind == 0:
            values = rng.normal(shift, 1.0, rows)
        elif kind == 1:
            values = rng.lognormal(1.0 + shift, 0.6, rows)
        elif kind == 2:
            values = rng.uniform(0.0, 1.0 + shift, rows)
        else:
            values = np.round(rng.gamma(2.0, 3.0 + 3 * shift, rows), 1)
        cols[name] = values
    for i in range(5):
        name = f"c{i}"
        labels = np.array([f"{name}_{k}" for k in range(8)])
        shares = np.linspace(2.0, 1.0, 8)
        if current and name == SHIFTED_CATEGORICAL:
            shares = shares[::-1]
        cols[name] = rng.choice(labels, size=rows, p=shares / shares.sum())
    return cols


def write_files(data_dir: Path, rows: int) -> tuple[Path, Path]:
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    paths = []
    for name, current in (("reference", False), ("current", True)):
        path = data_dir / f"{name}.csv"
        pa_csv.write_csv(pa.table(make_table(rows, current=current)), path)
        paths.append(path)
    return paths[0], paths[1]


def venv_python(name: str, packages: list[str]) -> Path | None:
    """The interpreter of a cached venv holding `packages`; created on first use."""
    env = CACHE / name
    python = env / "bin" / "python"
    marker = env / ".installed"
    if marker.exists():
        return python
    print(f"installing {' '.join(packages)} into {env} (once) …", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", *packages],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"  could not install {packages[0]}: {done.stderr.strip().splitlines()[-1:]}")
        return None
    marker.write_text(" ".join(packages))
    return python


def incidentbot_command() -> list[str]:
    script = Path(sys.executable).with_name("incidentbot")
    if script.exists():
        return [str(script)]
    found = shutil.which("incidentbot")
    return [found] if found else [sys.executable, "-m", "bot.cli"]


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[0]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def drifted_by_incidentbot(stdout: str) -> list[str]:
    report = json.loads(stdout)
    return sorted(c["column"] for c in report["columns"] if c["drifted"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-nannyml", action="store_true")
    args = parser.parse_args()

    tools: dict[str, tuple[list[str], object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ref, cur = write_files(Path(tmp), args.rows)
        tools["incidentbot"] = (
            [*incidentbot_command(), "drift", "--reference", str(ref), "--current", str(cur),
             "--json"], drifted_by_incidentbot)
        evidently = venv_python(*EVIDENTLY)
        if evidently is not None:
            tools["evidently"] = ([str(evidently), "-c", EVIDENTLY_RUN, str(ref), str(cur)],
                                  json.loads)
        if not args.no_nannyml:
            nannyml = venv_python(*NANNYML)
            if nannyml is not None:
                tools["nannyml"] = ([str(nannyml), "-c", NANNYML_RUN, str(ref), str(cur)],
                                    json.loads)
        print(f"{args.rows:,} + {args.rows:,} rows × 25 columns (CSV, "
              f"{ref.stat().st_size / 2**20:.0f} MiB each); shifted: "
              f"{', '.join([*SHIFTED_NUMERIC, SHIFTED_CATEGORICAL])}; {os.cpu_count()} CPUs")
        times: dict[str, list[float]] = {name: [] for name in tools}
        found: dict[str, list[str]] = {}
        # One untimed run of each first: the first process after an install or a fresh
        # data file also pays for reading libraries and bytecode from disk.
        for name, (command, _) in list(tools.items()):
            try:
                timed(command)
            except SystemExit as failed:
                if name == "incidentbot":
                    raise
                print(f"{name} left out: {str(failed)[-300:]}")
                del tools[name], times[name]
        for run in range(1, args.runs + 1):
            line = [f"run {run}:"]
            for name, (command, parse) in list(tools.items()):
                try:
                    elapsed, stdout = timed(command)
                except SystemExit as failed:
                    if name == "incidentbot":
                        raise
                    print(f"{name} left out: {str(failed)[-300:]}")
                    del tools[name], times[name]
                    continue
                times[name].append(elapsed)
                found[name] = parse(stdout)  # type: ignore[operator]
                line.append(f"{name} {elapsed:.2f} s")
            print("  ".join(line), flush=True)

    print()
    ours = times["incidentbot"]
    for name, values in times.items():
        print(f"{name:<12} median {statistics.median(values):6.2f} s  "
              f"(min {min(values):.2f}, max {max(values):.2f})  drifted: {', '.join(found[name])}")
    for name, values in times.items():
        if name == "incidentbot":
            continue
        ratios = [theirs / mine for theirs, mine in zip(values, ours, strict=True)]
        print(f"{name} / incidentbot: {statistics.median(values) / statistics.median(ours):.1f}× "
              f"(per run {min(ratios):.1f}–{max(ratios):.1f}×)")


if __name__ == "__main__":
    main()
