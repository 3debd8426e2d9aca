"""Every benchmark, one after the other, each in its own process so none warms another.
Run: python benchmarks/run_all.py [name ...]   (names without .py, e.g. ack_bench)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ALL = ["ack_bench", "alert_storm", "deadline_bench", "export_bench", "report_bench",
       "drift_bench", "serve_startup", "regulatory_bench", "registry_bench"]
# Run only when named: installs Evidently and NannyML into venvs of their own (PyPI).
OPTIONAL = ["drift_vs_evidently"]


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(ALL) - set(OPTIONAL))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from "
              f"{', '.join(ALL + OPTIONAL)}")
        return 2
    failed = []
    for name in names or ALL:
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        code = subprocess.run([sys.executable, str(HERE / f"{name}.py")]).returncode
        print(f"({name}: {time.perf_counter() - started:.0f} s, exit {code})", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
