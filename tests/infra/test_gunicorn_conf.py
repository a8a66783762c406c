"""``infra/gunicorn.conf.py``, read as gunicorn reads it (a Python file run at the master's
start): the metrics directory of prometheus_client's multiprocess mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = (
    "import os, runpy; runpy.run_path('infra/gunicorn.conf.py');"
    " print(os.environ['PROMETHEUS_MULTIPROC_DIR'])"
)


def metrics_directory(tmp_path: Path, **environment: str) -> tuple[str, list[str]]:
    """The directory the config settles on, and what it left in the temporary directory."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    inherited = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    done = subprocess.run(
        [sys.executable, "-c", READ],
        env={**inherited, "TMPDIR": str(temporary), **environment},
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip(), sorted(path.name for path in temporary.iterdir())


def test_a_given_metrics_directory_is_used_and_no_other_is_made(tmp_path):
    given = str(tmp_path / "metrics")
    directory, made = metrics_directory(tmp_path, PROMETHEUS_MULTIPROC_DIR=given)
    assert directory == given
    assert made == []


def test_without_one_the_master_makes_a_directory_of_its_own(tmp_path):
    directory, made = metrics_directory(tmp_path)
    assert len(made) == 1 and made[0].startswith("gunicorn-metrics-")
    assert directory == str(tmp_path / "tmp" / made[0])
