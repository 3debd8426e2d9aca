"""Start-up of `incidentbot serve`: seconds from the process start to a healthy /healthz.

    python benchmarks/serve_startup.py [--runs 7] [--source DIR]

Each run starts a fresh `python -m bot.cli serve` with the example catalog (its drift
monitors included) and a new SQLite database (so migrations run, as on a first start),
polls GET /healthz every 10 ms until it answers 200, and stops the process. Slack is
never called before the first request, so no workspace is needed. `--source` runs the
code of another checkout (e.g. the main branch, for a before/after comparison) with this
environment's packages. Prints every run, the median and the range, and whether the
process had imported SciPy, pandas or pyarrow by then (it should not have: README,
"Performance").
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import sys, runpy\n"
    "import atexit\n"
    "atexit.register(lambda: print('heavy:', ','.join(m for m in ('scipy', 'pandas', 'pyarrow')"
    " if m in sys.modules) or 'none', file=sys.stderr, flush=True))\n"
    "sys.argv = ['incidentbot', 'serve']\n"
    "runpy.run_module('bot.cli', run_name='__main__')\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run(source: Path, catalog: Path) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(source), "SLACK_BOT_TOKEN": "xoxb-benchmark",
               "SLACK_SIGNING_SECRET": "benchmark", "SLACK_API_URL": "http://127.0.0.1:9/api/",
               "DATABASE_URL": f"sqlite:///{tmp}/bot.db", "INCIDENTBOT_CONFIG": str(catalog),
               "HOST": "127.0.0.1", "PORT": str(port)}
        env.pop("SLACK_APP_TOKEN", None)
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", PROBE], cwd=tmp, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"serve exited early:\n{proc.stderr.read()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                                timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.01)
            elapsed = time.perf_counter() - start
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                _, err = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
        heavy = next((line.split(":", 1)[1].strip() for line in err.splitlines()
                      if line.startswith("heavy:")), "?")
        return elapsed, heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="checkout whose bot/ and incidents/ to run (default: this one)")
    args = parser.parse_args()
    catalog = args.source / "examples" / "incidentbot.yml"
    times = []
    for run in range(1, args.runs + 1):
        elapsed, heavy = one_run(args.source.resolve(), catalog.resolve())
        times.append(elapsed)
        print(f"run {run}: {elapsed:.2f} s to healthy /healthz (imported: {heavy})", flush=True)
    print(f"{args.source}: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}, {len(times)} runs)")


if __name__ == "__main__":
    main()
