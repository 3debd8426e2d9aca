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


def test_a_drift_run_loads_no_scipy_pandas_or_typer(tmp_path: Path) -> None:
    # The console script runs a plain drift line without typer (or its click and
    # pydantic), and the statistics need no SciPy: large samples (asymptotic KS), small
    # ones of equal and of unequal sizes (exact KS; unequal sizes load SciPy's compiled
    # path counter alone), CSV and Parquet, all without pandas — nor numpy.ma, which
    # np.unique would import (14 ms).
    large = (write(tmp_path / "ref.csv", table(1, n=12_000)),
             write(tmp_path / "cur.csv", table(2, n=12_000, shift=0.3, first_id=12_000)))
    parquet = tmp_path / "cur.parquet"
    pq.write_table(pa_csv.read_csv(large[1]), parquet)
    equal = (write(tmp_path / "a.csv", table(3, n=2_000)),
             write(tmp_path / "b.csv", table(4, n=2_000, shift=0.3)))
    unequal = (equal[0], write(tmp_path / "c.csv", table(5, n=1_500, shift=0.3)))
    for ref, cur in (large, (large[0], parquet), equal, unequal):
        loaded = run_child(f"""
            import json, os, sys
            sys.argv = ["incidentbot", "drift", "--reference", {str(ref)!r},
                        "--current", {str(cur)!r}, "--json"]
            exit_now = os._exit

            def report_and_exit(code):
                sys.stdout.flush()
                print(json.dumps([code, sorted(m for m in sys.modules if m == "numpy.ma"
                                               or m.split(".")[0] in
                                               ("scipy", "pandas", "typer", "click",
                                                "pydantic", "pydantic_settings"))]))
                sys.stdout.flush()
                exit_now(0)

            os._exit = report_and_exit
            from bot.cli import main
            main()
        """)
        code, modules = loaded
        assert code == 1, (ref, cur)
        allowed = {"scipy.stats._stats_pythran"} if (ref, cur) == unequal else set()
        assert set(modules) == allowed, (ref, cur, modules)


ZEN4 = "vendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\nflags\t\t: fpu avx2 avx512f"
ZEN5 = ZEN4.replace(": 25", ": 26")
INTEL = "vendor_id\t: GenuineIntel\ncpu family\t: 6\nflags\t\t: fpu avx2 avx512f"


def test_numpy_sorts_with_avx2_on_zen4_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli.drift import numpy_environment

    monkeypatch.delenv("NPY_ENABLE_CPU_FEATURES", raising=False)
    disabled = numpy_environment(ZEN4, "2.4.6")
    assert disabled == {"OPENBLAS_NUM_THREADS": "1",
                        "NPY_DISABLE_CPU_FEATURES": "X86_V4,AVX512_ICL,AVX512_SPR"}
    for cpu, version in ((ZEN5, "2.4.6"), (INTEL, "2.4.6"), (ZEN4.replace(" avx512f", ""), "2.4.6"),
                         (ZEN4, "2.3.5"), (ZEN4, ""), ("", "2.4.6")):
        assert numpy_environment(cpu, version) == {"OPENBLAS_NUM_THREADS": "1"}, (cpu, version)
    monkeypatch.setenv("NPY_ENABLE_CPU_FEATURES", "X86_V4")  # the user chose
    assert "NPY_DISABLE_CPU_FEATURES" not in numpy_environment(ZEN4, "2.4.6")


def test_a_drift_run_gives_numpy_its_settings_before_importing_it(tmp_path: Path) -> None:
    from bot.cli.drift import numpy_environment

    ref = write(tmp_path / "ref.csv", table(1, n=500))
    cur = write(tmp_path / "cur.csv", table(2, n=500))
    seen = run_child(f"""
        import json, os, sys
        os.environ.pop("NPY_DISABLE_CPU_FEATURES", None)
        os.environ.pop("OPENBLAS_NUM_THREADS", None)
        sys.argv = ["incidentbot", "drift", "--reference", {str(ref)!r},
                    "--current", {str(cur)!r}, "--json"]
        exit_now = os._exit

        def report_and_exit(code):
            from numpy._core._multiarray_umath import __cpu_features__
            sys.stdout.flush()
            print(json.dumps([os.environ.get("NPY_DISABLE_CPU_FEATURES"),
                              os.environ.get("OPENBLAS_NUM_THREADS"),
                              __cpu_features__.get("X86_V4")]))
            sys.stdout.flush()
            exit_now(0)

        os._exit = report_and_exit
        from bot.cli import main
        main()
    """)
    wanted = numpy_environment()
    assert seen[:2] == [wanted.get("NPY_DISABLE_CPU_FEATURES"), "1"]
    if "NPY_DISABLE_CPU_FEATURES" in wanted:  # this machine is a Zen 4: NumPy obeyed
        assert seen[2] is False



def test_every_command_gives_numpy_its_settings_so_serve_and_sandbox_sort_as_fast() -> None:
    from bot.cli.drift import numpy_environment

    seen = run_child("""
        import contextlib, io, json, os, sys
        os.environ.pop("NPY_DISABLE_CPU_FEATURES", None)
        os.environ.pop("OPENBLAS_NUM_THREADS", None)
        sys.argv = ["incidentbot", "serve", "--help"]
        from bot.cli import main
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            main()
        print(json.dumps([os.environ.get("NPY_DISABLE_CPU_FEATURES"),
                          os.environ.get("OPENBLAS_NUM_THREADS")]))
    """)
    assert seen == [numpy_environment().get("NPY_DISABLE_CPU_FEATURES"), "1"]


DRIFT_LINES = [
    ["--reference", "r.csv", "--current", "c.csv"],
    ["--current", "c.csv", "--reference=r.csv", "--json"],
    ["--json", "--json", "--reference", "data/*.csv", "--current", "new data.parquet"],
    ["--reference", "r.csv", "--current", "c.csv", "--exclude", "a,b", "--exclude=c",
     "--prediction", "p", "--confidence", "q", "--label", "y"],
]
LINES_LEFT_TO_TYPER = [
    ["--help"],
    ["-h"],
    [],
    ["--reference", "r.csv"],
    ["--reference", "r.csv", "--current"],
    ["--reference", "r.csv", "--current", "c.csv", "--bogus"],
    ["--reference", "r.csv", "--current", "c.csv", "extra"],
    ["--reference", "r.csv", "--reference", "s.csv", "--current", "c.csv"],
    ["--reference", "-", "--current", "c.csv"],
    ["--reference", "", "--current", "c.csv"],
    ["--reference", "r.csv", "--current", "c.csv", "--json=yes"],
    ["--reference", "r.csv", "--current", "c.csv", "--"],
    ["--reference", "r.csv", "--current", "c.csv", "--help"],
]


def parsed_by_typer(args: list[str], monkeypatch: pytest.MonkeyPatch):
    """What typer hands `incidentbot drift` for these arguments (None: help or error)."""
    import bot.cli.drift
    from bot.cli import commands

    seen: list = []
    monkeypatch.setattr(bot.cli.drift, "run_command", lambda command: seen.append(command) or 0)
    monkeypatch.setattr(commands, "_exit_without_teardown", [])
    try:
        commands.cli(["drift", *args], standalone_mode=False)
    except Exception:  # a usage error
        return None
    return seen[0] if seen else None


@pytest.mark.parametrize("args", DRIFT_LINES)
def test_the_console_script_reads_a_drift_line_as_typer_does(args, monkeypatch, capsys) -> None:
    from bot.cli.drift import parse_command_line

    fast = parse_command_line(args)
    assert fast is not None
    assert fast == parsed_by_typer(args, monkeypatch)


@pytest.mark.parametrize("args", LINES_LEFT_TO_TYPER)
def test_help_and_mistakes_go_to_typer(args, monkeypatch, capsys) -> None:
    from bot.cli.drift import parse_command_line

    assert parse_command_line(args) is None


def test_help_and_errors_read_as_typer_prints_them() -> None:
    # Through the console script's dispatch (python -m bot.cli): typer's own words.
    missing = incidentbot("drift", "--reference", "r.csv")
    assert missing.returncode == 2
    assert "Missing option '--current'" in missing.stderr
    assert "Usage: python -m bot.cli drift [OPTIONS]" in missing.stderr
    bogus = incidentbot("drift", "--reference", "r.csv", "--current", "c.csv", "--bogus")
    assert bogus.returncode == 2 and "No such option: --bogus" in bogus.stderr


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
