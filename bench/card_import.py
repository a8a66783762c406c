"""Peak memory of a 100,000-card code import, in a process of its own.

A file holds at most ``MAX_CODE_ROWS`` (20,000) rows, so the 100,000 cards of one line go as
five files at the maximum, one after the other, each adding to the line, as a partner would
send them. The donations app runs in a fresh child process on a new PostgreSQL database; each
CSV is generated as it is streamed, so no file is ever held whole by anyone. The child
reports its resident memory before the first upload and its peak (``VmHWM``) after the
last.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.environment import fresh_service
from bench.figures import Figure
from services.donations.domain.files import MAX_CODE_ROWS

ROWS = 100_000
ROOT = Path(__file__).resolve().parent.parent


def card_import_memory(rows: int = ROWS) -> Figure:
    with fresh_service("donations") as settings:
        keys = tempfile.mkdtemp(prefix="bench-card-keys-")
        child = subprocess.run(
            [sys.executable, "-m", "bench.card_import", settings.database_url, str(rows)],
            cwd=ROOT,
            env={**os.environ, "CARD_CODES_KEY_DIR": keys},
            capture_output=True,
            text=True,
            check=True,
        )
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    return Figure(
        f"Memory: peak RSS of a {rows:,}-card code import, {measured['files']} files of at most"
        f" {MAX_CODE_ROWS:,} rows (process at {measured['before_mb']:.0f} MB before;"
        f" {measured['seconds']:.1f} s, slowest file {measured['slowest_file']:.1f} s)",
        measured["peak_mb"],
        None,
        "MB",
        "≤ 250 MB",
        measured["peak_mb"] <= 250,
    )


def _rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    """This process's peak resident memory: ``VmHWM``, its own since ``exec``. Not
    ``ru_maxrss``, which Linux keeps across ``exec``: a child of the bench's large process
    started with the parent's peak (it reported 253 MB for an import peaking at 120)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def _import_in_this_process(database_url: str, rows: int) -> dict:
    from bench.identity import admin_client, ensure_token_keys
    from services.common.card_codes import generate_keys
    from services.common.config import MessagingSettings, ServiceSettings, card_codes_key_dir
    from services.donations.app import SERVICE as DONATIONS
    from tests.support.donation_sites import open_site
    from tests.support.streams import GeneratedFile

    ensure_token_keys()
    generate_keys(card_codes_key_dir())
    messaging = MessagingSettings("memory://", "bench", (1.0,), 5, 10, 100, 1.0)
    runtime = DONATIONS.runtime(ServiceSettings("donations", database_url, messaging))
    client = admin_client(DONATIONS.create_app({"RUNTIME": runtime}))
    partner = client.post("/partners", json={"name": "Big", "kind": "telecom_operator"})
    line = {
        "kind": "prepaid_cards",
        "quantity": rows,
        "operator": "Op",
        "product_name": "Recharge 5 EUR",
        "face_value_cents": 500,
        "expiry_date": "2099-01-31",
    }
    donation = client.post(
        "/donations",
        json={
            "partner_id": partner.get_json()["id"],
            "site_id": open_site(runtime),
            "lines": [line],
        },
    ).get_json()
    before = _rss_mb()
    files = [
        range(start, min(start + MAX_CODE_ROWS, rows)) for start in range(0, rows, MAX_CODE_ROWS)
    ]
    durations = []
    for numbers in files:
        started = time.perf_counter()
        response = client.put(
            f"/donations/{donation['id']}/lines/{donation['lines'][0]['id']}/codes",
            data=GeneratedFile(
                "serial,pin\n", (f"CARD-{n:09d},{n:012d}-{n % 97:02d}\n" for n in numbers)
            ).stream(),
            content_type="text/csv",
        )
        durations.append(time.perf_counter() - started)
        if response.status_code != 200 or response.get_json()["accepted"] != len(numbers):
            raise SystemExit(f"import refused: {response.status_code} {response.get_data()[:500]}")
    runtime.dispose()
    peak = _peak_mb()
    return {
        "before_mb": before,
        "peak_mb": peak,
        "seconds": sum(durations),
        "slowest_file": max(durations),
        "files": len(files),
    }


if __name__ == "__main__":
    print(json.dumps(_import_in_this_process(sys.argv[1], int(sys.argv[2]))))
