"""Ready-made incidents for the ways AI systems fail (drift, broken pipelines, bad
deployments…), as data.

Each scenario is what a tabletop exercise needs: the alert that opens it (a generic alert,
as `POST /alerts` takes it), what happens next (injects: more alerts, metric readings and
messages from people, each after some scenario time), the facts a good triage finds, the
diagnosis path those facts lead to, and the story behind it for the debrief. The sandbox
page fires the opening alerts for real; drills play whole scenarios as practice incidents.
The systems are those of `examples/incidentbot.yml`; a drill can point a scenario at
another system of the catalog.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from incidents.triage.proposal import DiagnosisPath
from incidents.wording import describe_metric

InjectKind = Literal["alert", "metric", "message"]
_MOMENT = re.compile(r"\{t([+-]\d+(?:\.\d+)?)\}")


@dataclass(frozen=True)
class Inject:
    """One thing that happens `after` the scenario started."""

    after: timedelta
    kind: InjectKind
    alert: Mapping[str, Any] | None = None  # kind "alert": a generic alert without `system`
    metric: Mapping[str, Any] | None = None  # kind "metric": {name, value, baseline, …}
    source: str = ""  # who says it (message) or where it is read (metric)
    text: str = ""

    def message(self, at: Callable[[timedelta], str] | None = None) -> str:
        """What the incident channel reads for a metric or message inject. `{t-6}` in a text
        is a moment 6 scenario minutes before the scenario began, written by `at` (the
        drill's clock) or, without one, as the scenario minute."""
        text = _MOMENT.sub(lambda m: at(timedelta(minutes=float(m[1]))) if at
                           else f"T{float(m[1]):+g} min", self.text)
        if self.kind == "metric":
            reading = describe_metric(dict(self.metric or {})) or ""
            return f"{self.source}: {reading}" + (f". {text}" if text else "")
        return f"{self.source}: {text}" if self.source else text


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    failure_mode: str  # its name, as drill messages and the sandbox page show it
    system: str
    briefing: str  # what responders are told at the start: no spoilers
    expected_path: DiagnosisPath
    # The triage answers the scenario's facts support (item key → choice value).
    facts: Mapping[str, str]
    explanation: str  # what was really going on, for the debrief
    injects: tuple[Inject, ...] = field(default_factory=tuple)

    @property
    def opening(self) -> Inject:
        return self.injects[0]

    @property
    def signal(self) -> str | None:
        return (self.opening.alert or {}).get("signal")

    @property
    def length(self) -> timedelta:
        return self.injects[-1].after

    def alert(self, system: str | None = None, **extra: Any) -> dict[str, Any]:
        """The opening alert as a `POST /alerts` body."""
        return alert_body(self.opening, system or self.system, **extra)


def alert_body(inject: Inject, system: str, **extra: Any) -> dict[str, Any]:
    body = {"system": system, "status": "firing", **dict(inject.alert or {}), **extra}
    for key in ("metric", "links", "labels"):
        if key in body:
            body[key] = dict(body[key])
    return body


def _alert(after: float, title: str, signal: str, metric: dict[str, Any], description: str,
           **extra: Any) -> Inject:
    return Inject(timedelta(minutes=after), "alert", alert={
        "title": title, "signal": signal, "metric": metric, "description": description,
        **extra,
    })


def _metric(after: float, source: str, metric: dict[str, Any], text: str = "") -> Inject:
    return Inject(timedelta(minutes=after), "metric", metric=metric, source=source, text=text)


def _message(after: float, source: str, text: str) -> Inject:
    return Inject(timedelta(minutes=after), "message", source=source, text=text)


def _facts(alert="real", predictions="yes", ranges="yes", inputs_changed="no",
           model_updated="no", upstream_healthy="yes", impact="material",
           trend="stable") -> dict[str, str]:
    return {"alert": alert, "predictions": predictions, "ranges": ranges,
            "inputs_changed": inputs_changed, "model_updated": model_updated,
            "upstream_healthy": upstream_healthy, "impact": impact, "trend": trend}


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        key="data-drift",
        title="Recommendation click-through sliding as shopping habits shift",
        failure_mode="Model degradation (data drift)",
        system="recommender",
        briefing="The feature monitor of Globex Retail's product recommender reports input "
        "drift on session features. Nothing was deployed this week.",
        expected_path=DiagnosisPath.DATA_DRIFT,
        facts=_facts(inputs_changed="yes", impact="within_tolerance", trend="worse"),
        explanation="The holiday season started: shoppers browse gift categories and buy for "
        "others, so session features moved away from the training data. The pipeline is "
        "healthy and the model unchanged; it is gradually less accurate. Compare the "
        "distributions (KS, PSI), then retrain on recent sessions.",
        injects=(
            _alert(0, "Input drift on session features (PSI 0.31)", "feature_distribution",
                   {"name": "session_features_psi", "value": 0.31, "baseline": 0.05,
                    "threshold": 0.2},
                   "PSI over the last 24 h of sessions against the training window. "
                   "Largest shifts: category_affinity, basket_size, time_on_page."),
            _metric(8, "Recommender dashboard",
                    {"name": "predicted_ctr", "value": 0.029, "baseline": 0.034}),
            _alert(15, "Click-through rate on recommendations down 13%", "business_metric",
                   {"name": "ctr", "value": 0.027, "baseline": 0.031, "threshold": 0.025},
                   "Seven-day click-through rate of recommended products."),
            _message(25, "Globex merchandising",
                     "Could the new gift-guide pages have anything to do with this? They "
                     "went live on Monday."),
            _metric(35, "Recommender dashboard",
                    {"name": "ctr", "value": 0.026, "baseline": 0.031, "threshold": 0.025},
                    "Still sliding."),
        ),
    ),
    Scenario(
        key="feature-pipeline-nulls",
        title="Merchant category feature arriving as nulls",
        failure_mode="Feature pipeline failure",
        system="fraud-detector",
        briefing="The feature pipeline monitor of Acme Bank's fraud detector reports a jump "
        "in missing values.",
        expected_path=DiagnosisPath.DATA_PIPELINE,
        facts=_facts(ranges="no", inputs_changed="yes", upstream_healthy="no",
                     trend="worse"),
        explanation="The third-party merchant-enrichment API degraded and started returning "
        "nulls; the pipeline passed them on as the default category, so the model scored "
        "with a missing input. Proximate cause: the vendor outage. Root cause: no "
        "validation of the upstream feature before scoring.",
        injects=(
            _alert(0, "merchant_category null rate 38%", "pipeline",
                   {"name": "null_rate", "value": 0.38, "baseline": 0.002, "threshold": 0.05},
                   "Share of scored transactions whose merchant_category feature is null."),
            _metric(5, "Fraud dashboard",
                    {"name": "flag_rate", "value": 0.09, "baseline": 0.021, "threshold": 0.1}),
            _alert(10, "Fraud flag rate 14%", "prediction_distribution",
                   {"name": "flag_rate", "value": 0.14, "baseline": 0.021, "threshold": 0.1},
                   "Share of card payments flagged for review."),
            _message(15, "Merchant-data vendor status page",
                     "Degraded performance of the enrichment API since {t-7}. Some "
                     "requests return empty results."),
            _metric(25, "Feature pipeline monitor",
                    {"name": "null_rate", "value": 0.41, "baseline": 0.002,
                     "threshold": 0.05}),
        ),
    ),
    Scenario(
        key="training-serving-skew",
        title="Failure predictions jump after the serving image was rebuilt",
        failure_mode="Training-serving skew",
        system="maintenance-predictor",
        briefing="The prediction monitor of Globex's maintenance predictor reports that "
        "failure probabilities moved sharply overnight.",
        expected_path=DiagnosisPath.ENVIRONMENT,
        facts=_facts(ranges="no", impact="within_tolerance"),
        explanation="The serving image was rebuilt with newer numeric libraries, which align "
        "the rolling sensor windows differently from the training code. Raw inputs and the "
        "model artifact are unchanged; the features are computed differently in serving "
        "than in training. Pin the versions, and test feature parity between training and "
        "serving.",
        injects=(
            _alert(0, "Failure probability distribution shifted", "prediction_distribution",
                   {"name": "mean_failure_probability", "value": 0.19, "baseline": 0.04,
                    "threshold": 0.08},
                   "Mean predicted 7-day failure probability across monitored units."),
            _message(10, "Platform team",
                     "FYI: the serving image was rebuilt yesterday with the latest base "
                     "image. The model artifact is unchanged."),
            _metric(15, "Maintenance dashboard",
                    {"name": "units_flagged_per_day", "value": 57, "baseline": 12}),
            _alert(30, "Inspection precision down to 22%", "performance",
                   {"name": "precision", "value": 0.22, "baseline": 0.61, "threshold": 0.45},
                   "Share of flagged units where technicians found a real fault."),
        ),
    ),
    Scenario(
        key="bad-deployment",
        title="Fraud flag rate 40% after a model deployment",
        failure_mode="Bad deployment",
        system="fraud-detector",
        briefing="Acme Bank's fraud detector suddenly flags 40% of card payments.",
        expected_path=DiagnosisPath.MODEL,
        facts=_facts(ranges="no", model_updated="yes", impact="significant_harm"),
        explanation="Model v4.3.0 went out without its canary stage; it was trained with a "
        "mislabelled batch and flags ordinary payments. Roll back to v4.2 (or fall back to "
        "the rules) first, investigate second.",
        injects=(
            _alert(0, "Fraud flag rate 40%", "prediction_distribution",
                   {"name": "flag_rate", "value": 0.40, "baseline": 0.02, "threshold": 0.10},
                   "Share of card payments flagged for review.", severity="sev1"),
            _message(3, "Acme Bank card operations",
                     "Call-centre volume has tripled: customers say their cards are declined "
                     "at checkout."),
            _metric(5, "Fraud dashboard",
                    {"name": "legitimate_payments_declined", "value": 0.37,
                     "baseline": 0.01}),
            _message(10, "Deploy log",
                     "fraud-detector v4.3.0 rolled out to 100% at {t-6} (canary stage "
                     "skipped)."),
        ),
    ),
    Scenario(
        key="adversarial-inputs",
        title="Low-confidence fraud scores from a burst of small payments",
        failure_mode="Adversarial inputs",
        system="fraud-detector",
        briefing="The confidence monitor of Acme Bank's fraud detector reports many more "
        "low-confidence scores than usual.",
        expected_path=DiagnosisPath.DATA_DRIFT,
        facts=_facts(inputs_changed="yes", trend="worse"),
        explanation="A card-testing ring sends small payments crafted to sit just under the "
        "model's learned risk signals (amounts under $2, look-alike merchant names, fresh "
        "devices). The inputs changed on purpose while every source is healthy. Block the "
        "pattern with a rule now; add adversarial examples to training.",
        injects=(
            _alert(0, "22% of fraud scores below 0.6 confidence", "confidence",
                   {"name": "low_confidence_share", "value": 0.22, "baseline": 0.04,
                    "threshold": 0.10},
                   "Share of scored payments whose model confidence is below 0.6."),
            _metric(6, "Fraud dashboard",
                    {"name": "approved_payments_under_2_usd_from_new_devices",
                     "value": 0.06, "baseline": 0.003}),
            _message(12, "Acme Bank fraud operations",
                     "Disputes for small online purchases are up since this morning."),
            _alert(20, "Share of confirmed fraud caught down to 70%", "performance",
                   {"name": "recall", "value": 0.70, "baseline": 0.91, "threshold": 0.80},
                   "Recall on cases confirmed by the bank's analysts today."),
        ),
    ),
    Scenario(
        key="concept-drift",
        title="Fraud slipping through while the inputs look normal",
        failure_mode="Concept drift",
        system="fraud-detector",
        briefing="Acme Bank's analysts report that more confirmed fraud was not flagged by "
        "the model.",
        expected_path=DiagnosisPath.BUSINESS_CONTEXT,
        facts=_facts(trend="worse"),
        explanation="Acme Bank launched instant transfers; fraudsters moved from stolen card "
        "numbers to account takeover. Inputs look as before, the model is unchanged, but "
        "what fraud looks like changed. Retrain with the new fraud cases and add features "
        "for the new payment type.",
        injects=(
            _alert(0, "Fraud recall down to 68%", "performance",
                   {"name": "recall", "value": 0.68, "baseline": 0.90, "threshold": 0.80},
                   "Share of confirmed fraud the model flagged, last 7 days."),
            _message(10, "Acme Bank product team",
                     "Reminder: instant person-to-person transfers launched last week."),
            _metric(15, "Fraud dashboard",
                    {"name": "confirmed_fraud_missed", "value": 0.32, "baseline": 0.10}),
            _alert(30, "Chargeback losses 2.4× the weekly baseline", "business_metric",
                   {"name": "chargeback_losses_usd", "value": 412000, "baseline": 170000,
                    "threshold": 250000},
                   "Chargebacks booked this week."),
        ),
    ),
    Scenario(
        key="feedback-loop",
        title="Recommendations narrowing to the same few products",
        failure_mode="Feedback loop",
        system="recommender",
        briefing="The business monitor of Globex's recommender reports that catalogue "
        "coverage keeps falling.",
        expected_path=DiagnosisPath.MODEL,
        facts=_facts(model_updated="yes", impact="within_tolerance", trend="worse"),
        explanation="The recommender retrains every week on the clicks of its own "
        "recommendations, so it learns only from what it already shows: each retrain "
        "narrows it further. Add exploration, and train on data the model did not choose.",
        injects=(
            _alert(0, "Catalogue coverage down to 9%", "business_metric",
                   {"name": "catalogue_coverage", "value": 0.09, "baseline": 0.34,
                    "threshold": 0.20},
                   "Share of in-stock products recommended at least once this week."),
            _metric(10, "Recommender dashboard",
                    {"name": "clicks_on_top_100_products", "value": 0.63, "baseline": 0.41}),
            _message(20, "Globex category managers",
                     "New-season products get almost no traffic from recommendations."),
            _message(30, "ML platform",
                     "The recommender retrains every Monday on last week's clicks; each of "
                     "the last six retrains lowered coverage."),
        ),
    ),
    Scenario(
        key="catastrophic-forgetting",
        title="Maintenance predictor misses failures on older units",
        failure_mode="Catastrophic forgetting",
        system="maintenance-predictor",
        briefing="The predictive maintenance model missed equipment failures; the "
        "performance monitor reports a drop in recall.",
        expected_path=DiagnosisPath.MODEL,
        facts=_facts(model_updated="yes"),
        explanation="Last week's fine-tune used data from the new CX-9 units only; the model "
        "lost what it knew about older units. Roll back to the previous version for older "
        "units, and retrain on data from the whole fleet.",
        injects=(
            _alert(0, "Failure recall 45% on older refrigeration units", "performance",
                   {"name": "recall", "value": 0.45, "baseline": 0.88, "threshold": 0.75},
                   "Share of compressor failures predicted 7 days ahead, units older than "
                   "2020."),
            _message(5, "Globex distribution centre Leeds",
                     "Third compressor failure this week without a maintenance warning."),
            _message(15, "ML team",
                     "The model was fine-tuned last Thursday on CX-9 unit data."),
            _metric(20, "Maintenance dashboard",
                    {"name": "recall_on_cx9_units", "value": 0.93, "baseline": 0.90},
                    "Older units: 45%."),
        ),
    ),
)

BY_KEY: dict[str, Scenario] = {s.key: s for s in SCENARIOS}


def get(key: str) -> Scenario | None:
    return BY_KEY.get(key.strip().lower())
