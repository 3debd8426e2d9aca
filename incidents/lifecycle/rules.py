"""Which status changes make sense. Pure policy; the service layer enforces it."""

from __future__ import annotations

from incidents.types import Status

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.TRIAGE: frozenset(
        {Status.INVESTIGATING, Status.MITIGATED, Status.RESOLVED, Status.DECLINED, Status.MERGED}
    ),
    Status.INVESTIGATING: frozenset(
        {Status.MITIGATED, Status.RESOLVED, Status.DECLINED, Status.MERGED}
    ),
    # A mitigation can stop working: back to investigating.
    Status.MITIGATED: frozenset({Status.INVESTIGATING, Status.RESOLVED, Status.MERGED}),
    # Reopening a resolved incident is common when the fix did not hold.
    Status.RESOLVED: frozenset({Status.CLOSED, Status.INVESTIGATING}),
    Status.DECLINED: frozenset({Status.TRIAGE}),
    Status.CLOSED: frozenset(),
    Status.MERGED: frozenset(),
}


def refusal(current: Status, target: Status) -> str | None:
    """Why `current → target` is not allowed, or None when it is."""
    if current == target:
        return f"The incident is already {target}."
    if target in ALLOWED[current]:
        return None
    if current in (Status.CLOSED, Status.MERGED):
        return f"The incident is {current}; it can no longer change status."
    allowed = ", ".join(sorted(ALLOWED[current])) or "nothing"
    return f"An incident in {current} can move to {allowed}, not to {target}."
