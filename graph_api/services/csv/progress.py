"""What an import tells its watcher while it reads: per file, rows and bytes of the total.

The totals are measured before the file is read, by counting its line ends
(gigabytes a second, no parsing): the row total is that count less the header,
so it is exact for files without quoted cells spanning lines and an upper
bound otherwise (the last event of a file carries the true count). The CLI
draws it with Rich; REST streams it to the editor as server-sent events.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from graph_api.services.csv.headers import FileName
from graph_api.services.csv.source import CsvInput

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ImportProgress:
    file: FileName
    rows: int  # data records of this file read so far
    rows_total: int  # the file's data records (see the module's docstring)
    bytes_read: int
    bytes_total: int
    done: bool = False  # this file is read to its end (or the import stopped reading it)

    @property
    def fraction(self) -> float:
        if self.done:
            return 1.0
        if self.rows_total:
            return min(self.rows / self.rows_total, 1.0)
        return min(self.bytes_read / self.bytes_total, 1.0) if self.bytes_total else 0.0


Progress = Callable[[ImportProgress], None]


def measure(data: CsvInput) -> tuple[int, int]:
    """(data rows, bytes) of a CSV document, read once without parsing; a stream is rewound."""
    if isinstance(data, str):
        return _rows(data.count("\n") + data.count("\r") - data.count("\r\n"), data), len(
            data.encode()
        )
    if isinstance(data, bytes):
        return _rows(_line_ends(data, b""), data), len(data)
    if isinstance(data, os.PathLike):
        with open(data, "rb") as handle:
            return _measure_stream(handle)
    start = data.tell()
    try:
        return _measure_stream(data)
    finally:
        data.seek(start)


def _measure_stream(stream: IO[bytes]) -> tuple[int, int]:
    ends = size = 0
    last = b""
    while chunk := stream.read(_CHUNK):
        ends += _line_ends(chunk, last)
        size += len(chunk)
        last = chunk[-1:]
    return _rows(ends, last), size


def _line_ends(chunk: bytes, before: bytes) -> int:
    """CRLF, LF and CR line ends in `chunk` (a CRLF split between chunks counted once)."""
    ends = chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
    if before == b"\r" and chunk.startswith(b"\n"):
        ends -= 1
    return ends


def _rows(line_ends: int, tail: str | bytes) -> int:
    """Lines less the header: a last line without its end counts too."""
    lines = line_ends + (1 if tail and tail[-1:] not in ("\n", "\r", b"\n", b"\r") else 0)
    return max(lines - 1, 0)
