"""The domain core stays pure: nothing in incidents/ imports Slack, aiohttp, the scheduler
matplotlib or the adapters, so policies can be tested and reused without any of them."""

import ast
from pathlib import Path

CORE = Path(__file__).parents[2] / "incidents"
FORBIDDEN = ("slack_sdk", "slack_bolt", "aiohttp", "apscheduler", "matplotlib", "bot")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_adapter():
    offenders = {
        str(path.relative_to(CORE)): sorted(
            name for name in imported_modules(path)
            if name.split(".")[0] in FORBIDDEN
        )
        for path in CORE.rglob("*.py")
    }
    assert {file: names for file, names in offenders.items() if names} == {}
    assert len(offenders) > 20  # the walk really saw the core
