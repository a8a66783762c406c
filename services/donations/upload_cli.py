"""Upload a CSV of serials / IMEIs for a donation line, showing progress.

    CONNEXIONS_API_KEY=... python -m services.donations.upload_cli \\
        --gateway http://127.0.0.1:8080 DONATION_ID LINE_ID identifiers.csv

The gateway admits the upload with an API key (an admin's, or the donating partner's), sent
as ``Authorization: Bearer <key>``. Prefer the ``CONNEXIONS_API_KEY`` variable to
``--api-key``, which other users of the machine can read in the process list. The file is
streamed (never read whole); progress goes to stderr. On refusal every bad row
is printed, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import BinaryIO, TextIO

import requests


class ProgressReader:
    """A file wrapper that reports how much of it has been read (requests sizes it by len)."""

    def __init__(self, file: BinaryIO, total: int, out: TextIO) -> None:
        self.file, self.total, self.out = file, total, out
        self.sent = 0

    def __len__(self) -> int:
        return self.total

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(size)
        self.sent += len(chunk)
        percent = 100 * self.sent // self.total if self.total else 100
        self.out.write(f"\ruploading {percent:3d}% ({self.sent:,} / {self.total:,} bytes)")
        if not chunk:
            self.out.write("\n")
        self.out.flush()
        return chunk


def upload(
    gateway: str, donation_id: str, line_id: str, path: str, out: TextIO, *, api_key: str
) -> int:
    url = f"{gateway.rstrip('/')}/api/donations/donations/{donation_id}/lines/{line_id}/identifiers"
    headers = {"Content-Type": "text/csv", "Authorization": f"Bearer {api_key}"}
    with open(path, "rb") as file:
        body = ProgressReader(file, os.fstat(file.fileno()).st_size, out)
        response = requests.put(url, data=body, headers=headers, timeout=600)
    answer = response.json()
    if response.ok:
        print(f"accepted {answer['accepted']:,} identifiers from {answer['rows_read']:,} rows")
        return 0
    print(f"refused: {answer.get('detail')}", file=out)
    for bad in answer.get("bad_rows", []):
        print(f"  row {bad['row']}: {bad['problem']} ({bad.get('value')})", file=out)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gateway", default=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080"))
    parser.add_argument(
        "--api-key",
        default=os.environ.get("CONNEXIONS_API_KEY"),
        help="API key (default: $CONNEXIONS_API_KEY)",
    )
    parser.add_argument("donation_id")
    parser.add_argument("line_id")
    parser.add_argument("file")
    args = parser.parse_args(argv)
    if not args.api_key:
        parser.error("an API key is needed: set CONNEXIONS_API_KEY or pass --api-key")
    return upload(
        args.gateway, args.donation_id, args.line_id, args.file, sys.stderr, api_key=args.api_key
    )


if __name__ == "__main__":
    raise SystemExit(main())
