"""The four immediate mitigations: what each does, how it is asked for and how it reads.

Pure. Calling a system's endpoint is the adapter's job (`bot.outbound.mitigation`); the core
only shapes the request and records the result it is handed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Mitigation(StrEnum):
    # Values are the catalog's action names (systems.<key>.actions).
    ROLLBACK = "rollback"
    RULES_FALLBACK = "rules_fallback"
    MANUAL_REVIEW = "manual_review"
    THRESHOLD = "threshold"

    @property
    def label(self) -> str:
        return _INFO[self][0]

    @property
    def title(self) -> str:
        return _INFO[self][1]

    @property
    def when(self) -> str:
        return _INFO[self][2]


_INFO = {
    Mitigation.ROLLBACK: (
        "Roll back the model",
        "Roll back to the previous model version",
        "When a recent model update caused the problem.",
    ),
    Mitigation.RULES_FALLBACK: (
        "Fall back to rules",
        "Fall back to the rule-based system",
        "The rules handle predictions at lower accuracy while the model is unreliable.",
    ),
    Mitigation.MANUAL_REVIEW: (
        "Route to human review",
        "Manual override: route predictions to human review",
        "For low volumes: people decide until the model is fixed.",
    ),
    Mitigation.THRESHOLD: (
        "Adjust the threshold",
        "Adjust the prediction threshold",
        "For classifiers producing too many false positives or negatives.",
    ),
}

# What each mitigation means for the client, in their words: while it is in place (a
# notification: "We have rolled…") and looking back (the key events: "We rolled…").
_FOR_CLIENT = {
    Mitigation.ROLLBACK: (
        "We have rolled the model back to its previous version.",
        "We rolled the model back to its previous version.",
    ),
    Mitigation.RULES_FALLBACK: (
        "We have switched to the rule-based fallback while the model is unreliable.",
        "We switched to the rule-based fallback while the model was unreliable.",
    ),
    Mitigation.MANUAL_REVIEW: (
        "Predictions are being routed to human review until the model is fixed.",
        "We routed predictions to human review.",
    ),
    Mitigation.THRESHOLD: (
        "We have adjusted the model's decision threshold to limit wrong results.",
        "We adjusted the model's decision threshold to limit wrong results.",
    ),
}


def client_words(action: str, *, looking_back: bool = False) -> str | None:
    """A recorded mitigation (its action name) as the client is told it; None for a name
    that is no mitigation."""
    if action not in _FOR_CLIENT:
        return None
    in_place, taken = _FOR_CLIENT[Mitigation(action)]
    return taken if looking_back else in_place


THRESHOLD_TRADE_OFF = (
    "Raising the threshold reduces false positives at the cost of more false negatives; "
    "lowering it does the opposite."
)


def parse_threshold(text: str | None) -> float | None:
    """A finite number such as `0.7` or `0,7`; None when it is not one."""
    if text is None or not str(text).strip():
        return None
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def threshold_effect(new: float, previous: float | None) -> str:
    if previous is None or new == previous:
        return THRESHOLD_TRADE_OFF
    if new > previous:
        return "raised: fewer false positives, more false negatives"
    return "lowered: fewer false negatives, more false positives"


def describe(mitigation: Mitigation, parameters: dict[str, Any]) -> str:
    """What was asked for, in words: "Adjust the prediction threshold to 0.7 (from 0.5: …)",
    "Roll back to the previous model version (fraud-detector champion: v42 → v41)"."""
    if mitigation == Mitigation.ROLLBACK and parameters.get("to_version") is not None:
        start = parameters.get("from_version")
        moved = f"v{start} → v{parameters['to_version']}" if start is not None \
            else f"to v{parameters['to_version']}"
        return f"{mitigation.title} ({parameters.get('model')} {parameters.get('alias')}: {moved})"
    if mitigation != Mitigation.THRESHOLD or parameters.get("threshold") is None:
        return mitigation.title
    new, previous = parameters["threshold"], parameters.get("previous")
    text = f"{mitigation.title} to {new:g}"
    if previous is not None:
        text += f" (from {previous:g}: {threshold_effect(new, previous)})"
    return text


def request_body(
    *,
    incident_id: int,
    system: str,
    mitigation: Mitigation,
    parameters: dict[str, Any],
    requested_by: str,
) -> dict[str, Any]:
    """The JSON a system's action endpoint receives."""
    return {
        "incident_id": incident_id,
        "system": system,
        "action": str(mitigation),
        "parameters": parameters,
        "requested_by": requested_by,
    }


@dataclass(frozen=True)
class CallResult:
    """What an action endpoint answered. `detail` is safe to show: no headers, no secrets."""

    ok: bool
    status: int | None
    detail: str
    target: str  # the host that was called
    elapsed: float = 0.0


def result_text(
    mitigation: Mitigation, parameters: dict[str, Any], result: CallResult | None, attempt: int
) -> str:
    """Timeline wording: "Roll back to the previous model version → succeeded (HTTP 200)"."""
    what = describe(mitigation, parameters)
    again = f" (attempt {attempt})" if attempt > 1 else ""
    if result is None:
        return f"{what} → done by hand (manual step){again}"
    if result.ok:
        return f"{what} → succeeded via {result.target} ({result.detail}){again}"
    return f"{what} → FAILED via {result.target}: {result.detail}{again}"
