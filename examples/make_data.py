"""Generate the example data the example catalog points at, so `/incident drift` and the
drift monitors have something to read in the sandbox.

    python examples/make_data.py            # writes examples/data/…

Seeded and deterministic: running it again rewrites the same values. The files are
committed; rerun this only to change them.

- fraud/reference.parquet: a month of card payments the fraud model was validated on.
- fraud/current/2026-11-27.parquet: one day after a merchant feed change. Amounts are
  larger (a new premium card product), the merchant category is often missing (the feed
  stopped filling it), and the model flags noticeably more payments with less confidence.
- maintenance/reference.csv and current.csv: refrigeration-unit telemetry; the current
  week is a heat wave (higher ambient temperature, compressors working harder).
- recommender/reference.parquet and current.parquet: shopping sessions scored by the
  product recommender (the `data-drift` drill and the sandbox's default alert). The
  current day is in the holiday season: shoppers browse gift and toy categories, fill
  larger baskets and stay longer on pages, and the predicted click-through rate falls.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent / "data"
SEED = 20261127
CATEGORIES = ["grocery", "fuel", "restaurants", "online_retail", "travel", "electronics",
              "pharmacy", "entertainment"]
CATEGORY_SHARES = [0.27, 0.14, 0.16, 0.2, 0.05, 0.07, 0.06, 0.05]
RISKY = {"online_retail": 0.9, "electronics": 1.1, "travel": 0.7}
SITES = ["DC-North", "DC-South", "DC-East", "DC-West"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def fraud_payments(rng: np.random.Generator, *, rows: int, start: datetime, span: timedelta,
                   amount_shift: float, category_missing: float, first_id: int) -> pa.Table:
    amount = np.round(rng.lognormal(mean=3.6 + amount_shift, sigma=1.0, size=rows), 2)
    category = rng.choice(CATEGORIES, size=rows, p=CATEGORY_SHARES)
    hour = rng.choice(24, size=rows, p=_hour_shares())
    distance = np.round(rng.gamma(shape=1.3, scale=12.0, size=rows), 1)
    risk = (
        -4.6
        + 0.55 * (np.log(amount) - 3.6)
        + np.vectorize(lambda c: RISKY.get(c, 0.0))(category)
        + 0.9 * ((hour < 5) | (hour > 22))
        + 0.02 * distance
    )
    is_fraud = rng.random(rows) < _sigmoid(risk)
    # The score tracks the true risk with noise; confidence is how far it sits from the
    # decision boundary, lower for inputs unlike the training data (large amounts).
    score = _sigmoid(risk + 1.0 + 3.5 * is_fraud + rng.normal(0, 1.0, rows))
    unfamiliar = np.clip((np.log(amount) - 4.4) / 1.5, 0, 1)
    confidence = np.clip(0.45 + 1.0 * np.abs(score - 0.5) - 0.45 * unfamiliar
                         + rng.normal(0, 0.05, rows), 0.05, 0.999)
    category_mask = rng.random(rows) < category_missing
    seconds = np.sort(rng.integers(0, int(span.total_seconds()), size=rows))
    scored_at = [start + timedelta(seconds=int(s)) for s in seconds]
    # Chargebacks take weeks: only the older part of recent data is labelled yet.
    labelled = np.ones(rows, dtype=bool) if span > timedelta(days=2) else rng.random(rows) < 0.4
    return pa.table({
        "transaction_id": [f"tx-{first_id + i:07d}" for i in range(rows)],
        "scored_at": pa.array(scored_at, type=pa.timestamp("s", tz="UTC")),
        "amount": amount,
        "merchant_category": pa.array(category.tolist(), mask=category_mask),
        "hour": pa.array(hour, type=pa.int8()),
        "distance_km": distance,
        "fraud_score": np.round(score, 4),
        "confidence": np.round(confidence, 3),
        "is_fraud": pa.array(is_fraud.tolist(), mask=~labelled),
    })


def _hour_shares() -> np.ndarray:
    daytime = np.exp(-0.5 * ((np.arange(24) - 14) / 4.5) ** 2) + 0.05
    return daytime / daytime.sum()


def maintenance_rows(rng: np.random.Generator, *, rows: int, heat: float) -> list[dict]:
    ambient = rng.normal(24 + heat, 3.0, rows)
    amps = rng.normal(11 + 0.12 * heat, 1.2, rows) + 0.05 * (ambient - 24)
    door = rng.gamma(1.5, 4.0, rows)
    cabinet = rng.normal(-18, 0.8, rows) + 0.08 * door + 0.03 * (ambient - 24)
    vibration = rng.gamma(2.0, 1.1, rows)
    site = rng.choice(SITES, size=rows, p=[0.3, 0.25, 0.25, 0.2])
    risk = -4.2 + 0.35 * (cabinet + 18) + 0.25 * (vibration - 2.2) + 0.3 * (amps - 11)
    failed = rng.random(rows) < _sigmoid(risk)
    probability = _sigmoid(risk + 1.2 + 3.0 * failed + rng.normal(0, 0.8, rows))
    return [
        {
            "site": site[i],
            "ambient_c": f"{ambient[i]:.1f}",
            "cabinet_c": f"{cabinet[i]:.1f}",
            "compressor_amps": f"{amps[i]:.2f}",
            "door_open_minutes": f"{door[i]:.1f}",
            "vibration_mm_s": f"{vibration[i]:.2f}",
            "failure_probability": f"{probability[i]:.3f}",
            "failed_within_7d": int(failed[i]),
        }
        for i in range(rows)
    ]


AFFINITIES = ["electronics", "home", "fashion", "books", "beauty", "toys", "gifts"]
AFFINITY_SHARES = {False: [0.24, 0.22, 0.2, 0.12, 0.12, 0.06, 0.04],
                   True: [0.17, 0.13, 0.14, 0.09, 0.09, 0.17, 0.21]}


def recommender_sessions(rng: np.random.Generator, *, rows: int, start: datetime,
                         span: timedelta, holiday: bool, first_id: int) -> pa.Table:
    affinity = rng.choice(AFFINITIES, size=rows, p=AFFINITY_SHARES[holiday])
    basket = rng.poisson(3.1 if holiday else 2.2, rows)
    time_on_page = np.round(rng.lognormal(3.55 if holiday else 3.3, 0.6, rows), 1)
    pages = rng.poisson(7.5 if holiday else 6.0, rows) + 1
    device = rng.choice(["app", "web", "mobile_web"], size=rows, p=[0.45, 0.3, 0.25])
    gifting = np.isin(affinity, ["toys", "gifts"])
    ctr = _sigmoid(-3.3 + 0.08 * basket - 0.35 * gifting + rng.normal(0, 0.3, rows))
    seconds = np.sort(rng.integers(0, int(span.total_seconds()), size=rows))
    return pa.table({
        "session_id": [f"s-{first_id + i:08d}" for i in range(rows)],
        "served_at": pa.array([start + timedelta(seconds=int(s)) for s in seconds],
                              type=pa.timestamp("s", tz="UTC")),
        "category_affinity": affinity,
        "basket_size": pa.array(basket, type=pa.int16()),
        "time_on_page_s": time_on_page,
        "pages_viewed": pa.array(pages, type=pa.int16()),
        "device": device,
        "predicted_ctr": np.round(ctr, 4),
    })


def write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_parquet(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")


def main() -> None:
    rng = np.random.default_rng(SEED)
    write_parquet(HERE / "fraud" / "reference.parquet", fraud_payments(
        rng, rows=5000, start=datetime(2026, 10, 1, tzinfo=UTC), span=timedelta(days=31),
        amount_shift=0.0, category_missing=0.005, first_id=1))
    write_parquet(HERE / "fraud" / "current" / "2026-11-27.parquet", fraud_payments(
        rng, rows=3000, start=datetime(2026, 11, 27, tzinfo=UTC), span=timedelta(days=1),
        amount_shift=0.6, category_missing=0.12, first_id=900_001))
    write_csv(HERE / "maintenance" / "reference.csv", maintenance_rows(rng, rows=2500, heat=0))
    write_csv(HERE / "maintenance" / "current.csv", maintenance_rows(rng, rows=1200, heat=6))
    write_parquet(HERE / "recommender" / "reference.parquet", recommender_sessions(
        rng, rows=8000, start=datetime(2026, 10, 1, tzinfo=UTC), span=timedelta(days=28),
        holiday=False, first_id=1))
    write_parquet(HERE / "recommender" / "current.parquet", recommender_sessions(
        rng, rows=3000, start=datetime(2026, 11, 27, tzinfo=UTC), span=timedelta(days=1),
        holiday=True, first_id=40_000_001))
    for path in sorted(HERE.rglob("*.*")):
        print(f"{path.relative_to(HERE.parent)}  {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
