"""Request bodies produced on the fly, so a test never holds a large file whole."""

from __future__ import annotations

import io
from collections.abc import Iterable


class GeneratedFile(io.RawIOBase):
    def __init__(self, header: str, lines: Iterable[str]) -> None:
        self._lines = (line.encode() for line in lines)
        self._pending = header.encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self._pending) < len(buffer):
            line = next(self._lines, None)
            if line is None:
                break
            self._pending += line
        size = min(len(buffer), len(self._pending))
        buffer[:size], self._pending = self._pending[:size], self._pending[size:]
        return size

    def stream(self) -> io.BufferedReader:
        return io.BufferedReader(self)
