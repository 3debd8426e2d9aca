"""A system's data sources read as tables: files, globs, and SQL over a SQLite file."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

from bot.charts.drift import drift_chart
from bot.slack.blocks.drift import drift_summary, headline
from incidents.catalog.models import CurrentQuery, DataSources
from incidents.drift import DriftDataError, analyse_drift
from incidents.drift.sources import (
    analyse_sources,
    display_source,
    load_sources,
    missing_sources,
    query_table,
)


def payments(seed: int, n: int, *, shift: float = 0.0, day: str = "2026-11-26") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "amount": rng.lognormal(3 + shift, 1, n),
        "merchant_category": rng.choice(["grocery", "fuel", "travel"], n),
        "fraud_score": rng.beta(1, 20 if shift == 0 else 6, n),
        "day": day,
    })


@pytest.fixture
def warehouse(tmp_path):
    """A SQLite database with a day of normal scoring and a day of drifted scoring."""
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as db:
        payments(2, 800).to_sql("scoring_log", db, index=False)
        payments(3, 700, shift=1.0, day="2026-11-27").to_sql(
            "scoring_log", db, index=False, if_exists="append")
    payments(1, 1000).drop(columns="day").to_csv(tmp_path / "reference.csv", index=False)
    return tmp_path


def test_sql_current_data_is_read_and_compared(warehouse):
    data = DataSources(
        reference=warehouse / "reference.csv",
        current_query=CurrentQuery(
            url=f"sqlite:///{warehouse / 'warehouse.db'}",
            sql="select amount, merchant_category, fraud_score from scoring_log "
                "where day = '2026-11-27'",
        ),
        prediction="fraud_score",
    )
    loaded = load_sources(data)
    assert loaded.current.rows == 700 and loaded.reference.rows == 1000
    assert loaded.current.source == f"SQL query on sqlite:///{warehouse / 'warehouse.db'}"
    assert loaded.current.columns["amount"].dtype == np.float64
    report = analyse_sources(data, loaded)
    assert [c.column for c in report.drifted_columns] == ["amount"]
    assert report.model_health.prediction.shifted

    # The quiet day compares clean: the query, not the table, decides what is current.
    quiet = query_table(CurrentQuery(url=data.current_query.url, sql=(
        "select amount, merchant_category, fraud_score from scoring_log "
        "where day = '2026-11-26'")))
    assert quiet.rows == 800


def test_query_failures_are_one_plain_line_without_credentials(warehouse):
    url = f"sqlite:///{warehouse / 'warehouse.db'}"
    with pytest.raises(DriftDataError) as bad_table:
        query_table(CurrentQuery(url=url, sql="select * from scoring_logs"))
    assert str(bad_table.value) == f"current query on {url} failed: no such table: scoring_logs"

    with pytest.raises(DriftDataError) as driver:
        query_table(CurrentQuery(url="postgresql://reader:s3cret@127.0.0.1:1/analytics",
                                 sql="select 1"))
    message = str(driver.value)
    assert "s3cret" not in message and "reader:***@127.0.0.1:1/analytics" in message
    assert "\n" not in message

    with pytest.raises(DriftDataError, match="unknown database type 'nosuchdb'"):
        query_table(CurrentQuery(url="nosuchdb://host/db", sql="select 1"))
    with pytest.raises(DriftDataError, match="not an SQLAlchemy database URL"):
        query_table(CurrentQuery(url="warehouse.db", sql="select 1"))


def test_empty_current_data_and_missing_files_are_data_errors(warehouse):
    empty = DataSources(reference=warehouse / "reference.csv", current_query=CurrentQuery(
        url=f"sqlite:///{warehouse / 'warehouse.db'}",
        sql="select amount from scoring_log where day = '1999-01-01'"))
    with pytest.raises(DriftDataError, match=r"current data .* has no rows"):
        analyse_sources(empty, load_sources(empty))
    gone = DataSources(reference=warehouse / "gone.parquet", current=str(warehouse / "*.csv"))
    with pytest.raises(DriftDataError, match=r"reference file .*gone\.parquet' does not exist"):
        load_sources(gone)
    glob = DataSources(reference=warehouse / "reference.csv",
                       current=str(warehouse / "current" / "*.parquet"))
    with pytest.raises(DriftDataError, match=r"current pattern .* matches no files"):
        load_sources(glob)


def test_missing_sources_say_what_to_add():
    assert "fraud-detector has no data sources" in missing_sources("fraud-detector", None)
    assert "names no reference data" in missing_sources(
        "x", DataSources(current="data/*.csv"))
    assert "names no current data" in missing_sources(
        "x", DataSources(reference="data/ref.csv"))
    assert missing_sources("x", DataSources(reference="r.csv", current="c.csv")) is None


def test_display_source_is_relative_to_the_catalog(tmp_path):
    assert display_source(str(tmp_path / "data" / "ref.parquet"), tmp_path) == "data/ref.parquet"
    assert display_source("/elsewhere/ref.parquet", tmp_path) == "/elsewhere/ref.parquet"
    assert display_source("SQL query on sqlite:///x.db", tmp_path) == "SQL query on sqlite:///x.db"


def columns(seed, n, *, shift=0.0, missing=0.0, name="amount"):
    rng = np.random.default_rng(seed)
    category = rng.choice(["a", "b"], n).astype(object)
    category[rng.random(n) < missing] = None
    return {name: rng.normal(shift, 1, n), "kind": category,
            "score": rng.beta(1, 20 if shift == 0 else 5, n)}


def test_summary_escapes_names_and_chart_is_a_png():
    evil = "<!channel> amount"
    reference = columns(1, 1000, name=evil)
    current = columns(2, 1000, shift=1.0, missing=0.3, name=evil)
    report = analyse_drift(reference, current, prediction="score")
    text, blocks = drift_summary(system="Fraud <b>", report=report, reference="r.csv",
                                 current="c.csv")
    shown = json.dumps([b.to_dict() for b in blocks], ensure_ascii=False)
    assert "<!channel>" not in shown and "<!channel>" not in text
    assert "*&lt;!channel&gt; amount* — PSI" in shown
    assert "missing 0.0% → 30." in shown and "*Drift.* 2 of 2 features drifted" in shown
    assert headline(report).startswith("drift: 2 of 2 features drifted")
    png = drift_chart(report, reference, current, title="t")
    assert png is not None and png.startswith(b"\x89PNG")

    nothing = analyse_drift({"x": np.array([None] * 300, dtype=object)},
                            {"x": np.array([None] * 300, dtype=object)})
    assert drift_chart(nothing, {}, {}, title="t") is None


def test_a_query_url_names_its_password_by_environment_variable(warehouse, monkeypatch):
    query = CurrentQuery(url="sqlite:///${WAREHOUSE_DIR}/warehouse.db",
                         sql="select amount from scoring_log")
    monkeypatch.delenv("WAREHOUSE_DIR", raising=False)
    with pytest.raises(DriftDataError) as missing:
        query_table(query)
    assert str(missing.value) == ("current query URL needs the environment variable "
                                  "WAREHOUSE_DIR, which is not set")
    monkeypatch.setenv("WAREHOUSE_DIR", str(warehouse))
    assert query_table(query).rows == 1500
