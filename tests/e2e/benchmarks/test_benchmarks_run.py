"""The benchmarks still run against the code they measure (small sizes).

Benchmarks are not timed here — their figures are for `benchmarks/`, not for the
suite — but one that no longer starts (an API it used moved) would only be
found the next time someone measured. Each runs as a user runs it, and must
print every row of its table with the record counts it was given.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    # The exit code says whether a goal was met: a figure, not this test's business.
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stdout


def test_engine_cpu_runs_and_diffs_every_record() -> None:
    out = run("benchmarks/engine_cpu.py", "--records", "600", "--sample", "300")
    assert "records=600 (all linked and unchanged: 600)" in out
    assert "engine CPU per record" in out and "peak memory" in out


def test_floor_runs_and_prints_every_row() -> None:
    out = run(
        "benchmarks/floor.py",
        *("--customers", "30", "--articles", "5", "--many-articles", "10"),
        *("--k", "5", "--quiet-articles", "10"),
    )
    for row in (
        "import time, 30 cust + 5 art",
        "import calls on Fortnox",
        "customer changed in Fortnox, k=5",
        "org changed in webCRM, Fortnox/rec. (sync --once)",
        "org changed in webCRM, Fortnox/rec. (6/3 cadence)",
        "quiet period, 20 linked deliveries",
        "quiet, amortised over an hour, 10 articles",
    ):
        assert row in out, out
