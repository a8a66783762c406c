"""The image's Dockerfile: hadolint, and what the stack relies on (non-root, health check,
one entry point for every service)."""

from __future__ import annotations

import re

from tests.infra.repository import DOCKERFILE, ROOT, run, tool


def hadolint(dockerfile) -> tuple[bool, str]:
    result = run(tool("hadolint"), "--no-color", str(dockerfile))
    return result.returncode == 0, result.stdout + result.stderr


def test_the_dockerfile_passes_hadolint():
    clean, findings = hadolint(DOCKERFILE)
    assert clean, findings


def test_hadolint_reports_a_bad_practice(tmp_path):
    broken = tmp_path / "Dockerfile"
    broken.write_text(DOCKERFILE.read_text().replace("FROM python:3.11-slim", "FROM python:latest"))
    clean, findings = hadolint(broken)
    assert not clean
    assert "DL3007" in findings  # "latest" is not a pinned base image


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, arguments = line.strip().partition(" ")
            pairs.append((keyword.upper(), arguments.strip()))
    return pairs


def test_the_image_runs_as_a_numeric_non_root_user():
    users = [arguments for keyword, arguments in instructions() if keyword == "USER"]
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0


def test_the_image_has_a_health_check_and_one_entry_point_for_every_part():
    found = dict(instructions())
    assert "infra/healthcheck.py" in found["HEALTHCHECK"]
    assert found["ENTRYPOINT"] == '["infra/entrypoint.sh"]'
    entrypoint = (ROOT / "infra" / "entrypoint.sh").read_text()
    for command in ("api)", "worker)", "migrate)"):
        assert command in entrypoint


def test_everything_the_image_copies_exists_and_is_in_its_build_context():
    ignore = (ROOT / "infra" / "Dockerfile.dockerignore").read_text().splitlines()
    included = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for keyword, arguments in instructions():
        if keyword == "COPY":
            for source in arguments.split()[:-1]:
                assert (ROOT / source).exists(), source
                assert source.removeprefix("./") in included, f"{source} not in the build context"
