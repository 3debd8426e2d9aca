"""`incidentbot drift` as a user runs it (a child process through the CLI), and what the
entry points import. The statistics themselves are pinned in test_drift_stats.py."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scipy", "pandas", "pyarrow")


def incidentbot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def write(path: Path, columns: dict[str, np.ndarray]) -> Path:
    pa_csv.write_csv(pa.table(columns), path)
    return path


def table(seed: int, n: int = 3_000, *, shift: float = 0.0, first_id: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "id": np.arange(first_id, first_id + n),
        "order_ref": np.array([f"o-{first_id + i:07d}" for i in range(n)]),
        "a": rng.normal(shift, 1.0, n),
        "b": rng.normal(0.0, 1.0, n),
        "score": rng.normal(0.0, 1.0, n) + 3 * shift,
        "width": rng.normal(10.0, 2.0, n),  # all distinct, but a feature, not an id
        "paid": rng.integers(0, 2, n),  # "…id" only by spelling
        "country": rng.choice(["DE", "FR", "US"], n),
    }


@pytest.fixture
def one_of_many(tmp_path: Path) -> tuple[Path, Path]:
    """Only `a` and `score` move; ids count on in the current file, as new rows do."""
    ref = write(tmp_path / "ref.csv", table(1))
    cur = write(tmp_path / "cur.csv", table(2, shift=0.6, first_id=3_000))
    return ref, cur


def test_one_verdict_in_text_json_and_exit_code(one_of_many: tuple[Path, Path]) -> None:
    ref, cur = one_of_many
    text = incidentbot("drift", "--reference", str(ref), "--current", str(cur))
    as_json = incidentbot("drift", "--reference", str(ref), "--current", str(cur), "--json")

    assert text.returncode == as_json.returncode == 1, text.stderr
    # 2 of 6 features drifted: below the dataset-wide share, and still the one verdict.
    assert "Verdict: DRIFT — 2 of 6 columns drifted (33.3%)" in text.stdout
    assert "no drift —" not in text.stdout
    report = json.loads(as_json.stdout)
    assert report["verdict"] == "drift" and report["drift_found"] is True
    assert report["dataset_drift"] is False


def test_no_drift_says_so_and_exits_0(tmp_path: Path) -> None:
    ref = write(tmp_path / "ref.csv", table(1))
    cur = write(tmp_path / "cur.csv", table(2, first_id=3_000))
    done = incidentbot("drift", "--reference", str(ref), "--current", str(cur), "--json")
    assert done.returncode == 0, done.stdout
    report = json.loads(done.stdout)
    assert report["verdict"] == "no drift" and report["drift_found"] is False


def test_identifier_columns_are_left_out_and_said_so(one_of_many: tuple[Path, Path]) -> None:
    ref, cur = one_of_many
    done = incidentbot("drift", "--reference", str(ref), "--current", str(cur), "--json")
    report = json.loads(done.stdout)
    compared = {c["column"] for c in report["columns"]}
    assert compared == {"a", "b", "score", "width", "paid", "country"}
    assert set(report["skipped"]) == {"id", "order_ref"}
    assert report["skipped"]["id"].startswith("identifier-like (100% of values distinct)")
    shown = incidentbot("drift", "--reference", str(ref), "--current", str(cur)).stdout
    assert "Skipped id: identifier-like" in shown


def test_exclude_takes_comma_separated_lists(one_of_many: tuple[Path, Path]) -> None:
    ref, cur = one_of_many
    done = incidentbot("drift", "--reference", str(ref), "--current", str(cur), "--json",
                       "--exclude", "a,score", "--exclude", "b")
    report = json.loads(done.stdout)
    assert {c["column"] for c in report["columns"]} == {"width", "paid", "country"}
    # The two drifted columns are gone, so is the drift.
    assert done.returncode == 0 and report["verdict"] == "no drift"

    unknown = incidentbot("drift", "--reference", str(ref), "--current", str(cur),
                          "--exclude", "a,nope")
    assert unknown.returncode == 2
    assert "excluded column 'nope' is in neither dataset" in unknown.stderr


@pytest.mark.parametrize("command", [[], ["drift"], ["serve"], ["report"], ["export"], ["db"]])
def test_help_shows_no_bool_placeholders(command: list[str]) -> None:
    done = incidentbot(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert "--help" in done.stdout and "Show this message and exit." in done.stdout
    assert "<bool>" not in done.stdout
    if command == ["drift"]:
        assert "--json " in done.stdout and "--exclude COLUMNS" in done.stdout


def run_child(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_cli_and_help_import_no_scipy_pandas_or_pyarrow() -> None:
    loaded = run_child(f"""
        import contextlib, io, json, sys
        import bot.cli
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            bot.cli.cli(["--help"])
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            bot.cli.cli(["drift", "--help"])
        print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
    """)
    assert loaded == []


def test_create_app_imports_no_scipy_pandas_or_pyarrow(tmp_path: Path) -> None:
    # The example catalog has drift monitors and data: the app wires them without loading
    # the libraries a drift needs; the first analysis (in a worker thread) does.
    loaded = run_child(f"""
        import json, sys
        from bot.app import create_app
        from bot.sandbox.run import example_catalog_path
        from bot.settings import Settings
        from incidents.catalog import load_catalog

        settings = Settings(_env_file=None, slack_bot_token="xoxb-placeholder",
                            slack_signing_secret="placeholder",
                            database_url="sqlite:///{tmp_path}/bot.db")
        app = create_app(settings, load_catalog(example_catalog_path()))
        print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
    """)
    assert loaded == []


def test_a_drift_run_loads_neither_pandas_nor_scipy_stats(tmp_path: Path) -> None:
    # Large samples (asymptotic KS) need only scipy.special; Parquet and CSV go to NumPy
    # without pandas. Small samples may import scipy.stats for the exact KS distribution.
    ref = write(tmp_path / "ref.csv", table(1, n=12_000))
    cur = write(tmp_path / "cur.csv", table(2, n=12_000, shift=0.3, first_id=12_000))
    pa_parquet = tmp_path / "cur.parquet"
    pq.write_table(pa_csv.read_csv(cur), pa_parquet)
    loaded = run_child(f"""
        import io, json, sys
        from pathlib import Path
        from bot.drift_cli import run_drift

        codes = [run_drift(reference=Path({str(ref)!r}), current=Path(current),
                           prediction=None, confidence=None, label=None, exclude=[],
                           as_json=True, out=io.StringIO())
                 for current in ({str(cur)!r}, {str(pa_parquet)!r})]
        assert codes == [1, 1], codes
        print(json.dumps(sorted(m for m in ("pandas", "scipy.stats", "scipy.special")
                                if m in sys.modules)))
    """)
    assert loaded == ["scipy.special"]


def test_text_read_as_dictionary_counts_like_plain_objects(tmp_path: Path) -> None:
    from incidents.drift.columns import counted_categories
    from incidents.drift.loading import load_table

    rng = np.random.default_rng(5)
    few = rng.choice(["DE", "FR", "US"], 3_000).astype(object)
    few[::7] = None
    # A second column: a line holding only an empty field would be a blank line.
    write(tmp_path / "a.csv", {"country": few, "n": np.arange(few.size)})
    many = np.array([f"c{i}" for i in range(12_000)], dtype=object)  # past DICTIONARY_MAX
    write(tmp_path / "b.csv", {"country": many, "n": np.arange(many.size)})
    for pattern, expected in ((tmp_path / "a.csv", few), (tmp_path / "*.csv",
                                                          np.concatenate((few, many)))):
        loaded = load_table(pattern).columns["country"]
        assert loaded.tolist() == expected.tolist()
        fast = counted_categories(loaded)
        slow = counted_categories(np.asarray(loaded, dtype=object))
        assert [x.tolist() if hasattr(x, "tolist") else x for x in fast] == [
            x.tolist() if hasattr(x, "tolist") else x for x in slow]
    assert counted_categories(load_table(tmp_path / "a.csv").columns["country"])[2] == 429
