"""Time what the AI-system context adds: the severity policy with a contract, and the
regulatory clocks' use cases on a SQLite file, with the example catalog.

Prints, for each: the severity proposal per alert with and without Acme Bank's contract
(µs, over 100,000 calls); assessing an incident reportable (two clocks start), assessing it
again so a clock moves, drafting a report and marking it submitted (ms per transaction,
over 200 incidents); and `incidentbot report`'s compliance table over them.
Run: python benchmarks/regulatory_bench.py
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta

from _common import ROOT, summary  # first: puts the checkout on sys.path

from bot import migrate
from incidents import queries
from incidents.analytics.periods import period_from_dates
from incidents.catalog import load_catalog
from incidents.db import make_engine, session_scope
from incidents.lifecycle import changes as lifecycle
from incidents.regulatory import (
    assessment as regulatory,
)
from incidents.regulatory import (
    compliance as regulatory_compliance,
)
from incidents.regulatory import (
    reports as regulatory_reports,
)
from incidents.severity import Metric, propose_severity
from incidents.types import DeadlineKind, Severity

INCIDENTS = 200
CALLS = 100_000
T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
NO = {"health": "no", "critical_infrastructure": "no", "fundamental_rights": "no",
      "property_or_environment": "no", "widespread": "no", "personal_data_breach": "no"}


def severity_per_call(catalog) -> None:
    contract = catalog.contract_for("fraud-detector")
    metric = Metric("accuracy", 0.74, 0.85, 0.82)
    for label, extra in (("without contract", {}),
                         ("with contract", {"contract": contract, "client": "Acme Bank"})):
        started = time.perf_counter()
        for _ in range(CALLS):
            propose_severity(signal="performance", metric=metric, criticality="critical",
                             **extra)
        print(f"propose_severity {label}: "
              f"{(time.perf_counter() - started) / CALLS * 1e6:.1f} µs per call")


def timed(engine, fn) -> float:
    started = time.perf_counter()
    with session_scope(engine) as session:
        fn(session)
    return time.perf_counter() - started


def one_incident(engine, catalog, n: int, steps: dict[str, list[float]]) -> None:
    now = T0 + timedelta(minutes=n)
    with session_scope(engine) as session:
        incident_id = lifecycle.declare(session, title=f"Incident {n}", system="fraud-detector",
                                      severity=Severity.SEV2, now=now, catalog=catalog).id

    def assess(session, later=timedelta(0), **answers):
        regulatory.assess(session, incident=queries.get(session, incident_id),
                          catalog=catalog, answers={**NO, **answers}, actor="U_BOB",
                          now=now + later)

    steps["assess (2 clocks start)"].append(timed(engine, lambda s: assess(
        s, fundamental_rights="yes", personal_data_breach="yes")))
    steps["reassess (1 moves)"].append(timed(engine, lambda s: assess(
        s, timedelta(hours=1), fundamental_rights="yes", widespread="yes",
        personal_data_breach="yes")))
    with session_scope(engine) as session:
        gdpr = next(c.deadline_id for c in regulatory.open_clocks(session, incident_id, catalog)
                    if c.report == DeadlineKind.GDPR_BREACH_NOTIFICATION)
    steps["draft report"].append(timed(engine, lambda s: regulatory_reports.draft(
        s, incident=queries.get(s, incident_id), catalog=catalog, deadline_id=gdpr,
        actor="U_BOB", now=now + timedelta(hours=2))))
    steps["mark submitted"].append(timed(engine, lambda s: regulatory.submit(
        s, incident=queries.get(s, incident_id), catalog=catalog, deadline_id=gdpr,
        initial=False, actor="U_BOB", now=now + timedelta(hours=3))))


def use_cases(catalog, url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    steps: dict[str, list[float]] = {"assess (2 clocks start)": [], "reassess (1 moves)": [],
                                     "draft report": [], "mark submitted": []}
    for n in range(INCIDENTS):
        one_incident(engine, catalog, n, steps)
    for name, seconds in steps.items():
        print(summary(name, seconds))
    period = period_from_dates(since=T0.date(), until=T0.date() + timedelta(days=1),
                               now=T0 + timedelta(days=2), zone=UTC)
    started = time.perf_counter()
    figures = regulatory_compliance.compliance(engine, period=period, now=T0 + timedelta(days=2))
    print(f"compliance table over {INCIDENTS} incidents: "
          f"{(time.perf_counter() - started) * 1000:.1f} ms {figures}")
    engine.dispose()


def main() -> None:
    catalog = load_catalog(ROOT / "examples" / "incidentbot.yml")
    severity_per_call(catalog)
    with tempfile.TemporaryDirectory() as folder:
        use_cases(catalog, f"sqlite:///{folder}/bench.db")


if __name__ == "__main__":
    main()
