"""The repository's infrastructure files, and the tools that check them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "infra" / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DEFINITIONS = ROOT / "infra" / "rabbitmq" / "definitions.json"
RABBITMQ_CONF = ROOT / "infra" / "rabbitmq" / "rabbitmq.conf"
POSTGRES_INIT = ROOT / "infra" / "postgres" / "init.sh"


def tool(name: str) -> str:
    """A command-line tool installed with the test dependencies (beside this interpreter)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: it comes with the test dependencies (make test)")
    return found


def run(*command: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, **options)


def load_yaml(path: Path) -> dict:
    """YAML as Compose reads it (anchors and merge keys resolved)."""
    return YAML(typ="safe").load(path.read_text())


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of an env file (comments and blank lines skipped)."""
    pairs = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs
