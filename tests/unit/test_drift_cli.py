"""`run_drift` on CSV and Parquet files written to tmp_path."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bot.cli.drift import EXIT_DRIFT, EXIT_ERROR, EXIT_OK, run_drift


def frame(
    seed: int,
    n: int = 2_000,
    *,
    shift: float = 0.0,
    fraud_rate: float = 0.02,
    missing_age: float = 0.0,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, size=n).astype(float)
    age[: int(missing_age * n)] = np.nan
    flagged = rng.random(n) < fraud_rate
    return pd.DataFrame(
        {
            "amount": rng.lognormal(3 + shift, 1, size=n),
            "age": age,
            "country": rng.choice(["DE", "FR", "US"], size=n),
            "fraud_score": np.where(flagged, rng.uniform(0.5, 1, n), rng.uniform(0, 0.5, n)),
            "confidence": rng.uniform(0.6, 1.0, size=n),
            "is_fraud": flagged.astype(int),
        }
    )


def run(ref: Path, cur: Path, *, as_json: bool = False, **named) -> tuple[int, str]:
    out = io.StringIO()
    code = run_drift(
        reference=ref,
        current=cur,
        prediction=named.get("prediction"),
        confidence=named.get("confidence"),
        label=named.get("label"),
        exclude=named.get("exclude", []),
        as_json=as_json,
        out=out,
    )
    return code, out.getvalue()


@pytest.fixture
def same(tmp_path: Path) -> tuple[Path, Path]:
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.parquet"
    frame(1).to_csv(ref, index=False)
    frame(2).to_parquet(cur)
    return ref, cur


@pytest.fixture
def drifted(tmp_path: Path) -> tuple[Path, Path]:
    ref, cur = tmp_path / "ref.parquet", tmp_path / "cur.csv"
    frame(1).to_parquet(ref)
    frame(2, shift=0.5, fraud_rate=0.4, missing_age=0.2).to_csv(cur, index=False)
    return ref, cur


def test_no_drift_exits_0_with_table(same: tuple[Path, Path]) -> None:
    code, text = run(*same, prediction="fraud_score", confidence="confidence", label="is_fraud")
    assert code == EXIT_OK
    header = text.splitlines()[3]
    for title in ("column", "type", "test", "p (BH)", "PSI", "W/σ", "verdict"):
        assert title in header
    assert "Verdict: no drift — 0 of 3 columns drifted" in text
    assert "fraud_score" not in text.split("Verdict:")[0].split("Current:")[1]


def test_drift_exits_1_ranked_by_effect_with_model_health(drifted: tuple[Path, Path]) -> None:
    code, text = run(*drifted, prediction="fraud_score", confidence="confidence", label="is_fraud")
    assert code == EXIT_DRIFT
    rows = text.splitlines()[5:8]
    assert rows[0].startswith("amount") and "drift (distribution)" in rows[0]
    assert rows[1].startswith("age") and "drift (null rate)" in rows[1]
    assert "0.0% → 20.0%" in rows[1]
    assert rows[2].startswith("country") and "no drift" in rows[2]
    assert "Verdict: DRIFT — 2 of 3 columns drifted" in text
    prediction = next(line for line in text.splitlines() if line.startswith("Prediction"))
    assert "positive rate" in prediction and "SHIFTED" in prediction
    assert next(line for line in text.splitlines() if line.startswith("Performance"))


def test_json_output(drifted: tuple[Path, Path]) -> None:
    code, text = run(
        *drifted,
        as_json=True,
        prediction="fraud_score",
        exclude=["country", "confidence", "is_fraud"],
    )
    data = json.loads(text)
    assert code == EXIT_DRIFT
    assert data["drift_found"] is True
    assert [c["column"] for c in data["columns"]] == ["amount", "age"]
    assert data["columns"][0]["p_adjusted"] < 1e-12
    signals = {s["signal"] for s in data["signals"]}
    assert {"feature_distribution", "prediction_distribution"} <= signals
    assert data["model_health"]["prediction"]["kind"] == "score"


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = tmp_path / "ref.csv"
    frame(1).to_csv(ref, index=False)
    code, text = run(ref, tmp_path / "nope.csv")
    err = capsys.readouterr().err
    assert code == EXIT_ERROR and text == ""
    assert err.count("\n") == 1
    assert "current file" in err and "does not exist" in err


def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref, bad = tmp_path / "ref.csv", tmp_path / "bad.parquet"
    frame(1).to_csv(ref, index=False)
    bad.write_bytes(b"\x00\x01 definitely not parquet")
    assert run(ref, bad)[0] == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("error: cannot read current file") and "as Parquet" in err


def test_no_shared_columns_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref, cur = tmp_path / "a.csv", tmp_path / "b.csv"
    pd.DataFrame({"x": range(300)}).to_csv(ref, index=False)
    pd.DataFrame({"y": range(300)}).to_csv(cur, index=False)
    assert run(ref, cur)[0] == EXIT_ERROR
    assert "no columns in common" in capsys.readouterr().err


def test_type_mismatch_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref, cur = tmp_path / "a.csv", tmp_path / "b.csv"
    frame(1, n=300).to_csv(ref, index=False)
    broken = frame(2, n=300)
    broken["amount"] = broken["amount"].map(lambda v: f"{v:.2f}".replace(".", ","))
    broken.to_csv(cur, index=False)
    assert run(ref, cur)[0] == EXIT_ERROR
    err = capsys.readouterr().err
    assert "column 'amount' is numeric in reference but text (e.g. '" in err


def test_insufficient_data_exits_0(tmp_path: Path) -> None:
    ref, cur = tmp_path / "a.csv", tmp_path / "b.csv"
    frame(1).to_csv(ref, index=False)
    frame(2, n=150, shift=2.0).to_csv(cur, index=False)
    code, text = run(ref, cur)
    assert code == EXIT_OK
    assert "Verdict: insufficient data — need at least 200 rows" in text and "current 150" in text


def test_glob_reads_every_matching_file(tmp_path: Path) -> None:
    ref = tmp_path / "ref.csv"
    frame(1).to_csv(ref, index=False)
    for i in range(3):
        frame(10 + i, n=100).to_parquet(tmp_path / f"cur-{i}.parquet")
    code, text = run(ref, tmp_path / "cur-*.parquet")
    assert code == EXIT_OK
    assert "(300 rows)" in text


def test_empty_text_fields_count_as_missing(tmp_path: Path) -> None:
    ref, cur = tmp_path / "a.csv", tmp_path / "b.csv"
    frame(1).to_csv(ref, index=False)
    broken = frame(2)
    broken.loc[:999, "country"] = None  # written as empty fields
    broken.to_csv(cur, index=False)
    code, text = run(ref, cur, as_json=True)
    country = next(c for c in json.loads(text)["columns"] if c["column"] == "country")
    assert code == EXIT_DRIFT
    assert country["null_rate_current"] == 0.5
    assert country["categories_new"] == []
    assert "null rate" in country["reasons"]
