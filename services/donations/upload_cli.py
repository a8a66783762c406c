"""Upload a CSV of serials / IMEIs for a donation line, showing progress.

    CONNEXIONS_API_KEY=... python -m services.donations.upload_cli \\
        --gateway http://127.0.0.1:8080 DONATION_ID LINE_ID identifiers.csv

The gateway admits the upload with an API key (an admin's, or the donating partner's), sent
as ``Authorization: Bearer <key>``. Prefer the ``CONNEXIONS_API_KEY`` variable to
``--api-key``, which other users of the machine can read in the process list. Progress goes
to stderr. On refusal every bad row is printed, and the exit status is 1.

A file holds at most ``MAX_IDENTIFIER_ROWS`` (50,000) rows, one device a row, and each file
adds to its line: a larger file is sent as several, each of at most that many rows under the
same header, one after the other, each read and sent as it goes (the file is never held
whole). Each part is accepted or refused whole; at the first refused part the upload stops,
and the parts before it stay on the line: the output says from which row to send the rest
once the file is mended (``--from-row``). Rows are split at line ends, so a quoted value
must not hold a line break (no serial or IMEI does).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterator
from typing import BinaryIO, TextIO

import requests

from services.donations.domain.files import MAX_IDENTIFIER_ROWS


class ProgressReader:
    """A file wrapper that reports how much of it has been read (requests sizes it by len)."""

    def __init__(self, file: BinaryIO, total: int, out: TextIO, label: str = "") -> None:
        self.file, self.total, self.out, self.label = file, total, out, label
        self.sent = 0

    def __len__(self) -> int:
        return self.total

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(size)
        self.sent += len(chunk)
        percent = 100 * self.sent // self.total if self.total else 100
        self.out.write(
            f"\ruploading{self.label} {percent:3d}% ({self.sent:,} / {self.total:,} bytes)"
        )
        if not chunk:
            self.out.write("\n")
        self.out.flush()
        return chunk


def parts(
    file: BinaryIO, rows_per_file: int, from_row: int = 2
) -> Iterator[tuple[int, int, bytes]]:
    """(the file's row number of the part's first row and of its last, the part's bytes: the
    header, then at most ``rows_per_file`` rows) of the file from row ``from_row`` (row 1 is
    the header); the first part is sent even without rows (the service judges the file)."""
    header = file.readline()
    number = 2
    while number < from_row and file.readline():
        number += 1
    while True:
        first, body = number, io.BytesIO()
        body.write(header)
        for line in file:
            body.write(line)
            number += 1
            if number - first == rows_per_file:
                break
        if number == first and first != from_row:
            return
        yield first, number - 1, body.getvalue()
        if number == first:
            return


def upload(
    gateway: str,
    donation_id: str,
    line_id: str,
    path: str,
    out: TextIO,
    *,
    api_key: str,
    rows_per_file: int = MAX_IDENTIFIER_ROWS,
    from_row: int = 2,
) -> int:
    url = f"{gateway.rstrip('/')}/api/donations/donations/{donation_id}/lines/{line_id}/identifiers"
    headers = {"Content-Type": "text/csv", "Authorization": f"Bearer {api_key}"}
    accepted = rows_read = 0
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        for first, last, body in parts(file, rows_per_file, from_row):
            several = first != 2 or file.tell() < size
            label = f" rows {first:,}-{last:,}" if several else ""
            reader = ProgressReader(io.BytesIO(body), len(body), out, label)
            response = requests.put(url, data=reader, headers=headers, timeout=600)
            answer = response.json()
            if not response.ok:
                _refused(answer, first, out, label)
                if first != from_row:
                    print(
                        f"rows {from_row:,}-{first - 1:,} were added by the parts before; once"
                        f" the file is mended, send the rest with --from-row {first}",
                        file=out,
                    )
                return 1
            accepted += answer["accepted"]
            rows_read += answer["rows_read"]
    print(f"accepted {accepted:,} identifiers from {rows_read:,} rows")
    return 0


def _refused(answer: dict, first: int, out: TextIO, label: str) -> None:
    """The refusal, its bad rows numbered as in the whole file."""
    print(f"refused{label}: {answer.get('detail')}", file=out)
    for bad in answer.get("bad_rows", []):
        row = bad["row"] + first - 2 if bad["row"] >= 2 else bad["row"]
        print(f"  row {row}: {bad['problem']} ({bad.get('value')})", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gateway", default=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080"))
    parser.add_argument(
        "--api-key",
        default=os.environ.get("CONNEXIONS_API_KEY"),
        help="API key (default: $CONNEXIONS_API_KEY)",
    )
    parser.add_argument(
        "--from-row",
        type=int,
        default=2,
        help="the file's row to start from (row 1 is the header; default 2)",
    )
    parser.add_argument("donation_id")
    parser.add_argument("line_id")
    parser.add_argument("file")
    args = parser.parse_args(argv)
    if not args.api_key:
        parser.error("an API key is needed: set CONNEXIONS_API_KEY or pass --api-key")
    if args.from_row < 2:
        parser.error("--from-row counts from 2 (row 1 is the header)")
    return upload(
        args.gateway,
        args.donation_id,
        args.line_id,
        args.file,
        sys.stderr,
        api_key=args.api_key,
        from_row=args.from_row,
    )


if __name__ == "__main__":
    raise SystemExit(main())
