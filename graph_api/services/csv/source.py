"""Where CSV records come from: text, bytes, a file path or a binary stream, read as a stream.

`CsvSource.records()` yields `(line, cells)` for every record, where `line` is the
physical line on which the record starts (the header is line 1; a quoted cell
that spans lines pushes later records down). Text is UTF-8 with an optional BOM
and RFC 4180 quoting; lines end in CRLF, LF or CR.

Bytes that are not UTF-8 (and NUL characters, which no engine stores in text)
must become problems on their line, not a crash halfway through the file: the
text is decoded with `surrogateescape`, so a bad byte becomes a lone surrogate
in its cell, and a cheap per-chunk check tells when the cells of the records
that follow must be scanned for them (`Record.suspect`).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

# A components cell may hold many 1 MiB contents; the csv module's default cap is 128 KiB.
# The bound that matters is ours (`max_record_chars`, checked as lines are read), which
# keeps memory proportional to the limit instead of to the longest line of the file.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))

CsvInput = str | bytes | os.PathLike[str] | IO[bytes]
_CHUNK = 1 << 18
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
# A line and its end (CRLF, LF or CR), as TextIOWrapper(newline="") splits them.
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


class _CheckedReader(io.RawIOBase):
    """A raw byte stream that counts what was read and notes bytes that are not clean UTF-8."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.bytes_read = 0
        self.suspect = False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.bytes_read += size
        if not self.suspect:
            self._check(data, final=size == 0)
        return size

    def _check(self, data: bytes, *, final: bool) -> None:
        if b"\x00" in data:
            self.suspect = True
            return
        if data.isascii() and not final and not self._decoder.getstate()[0]:
            return
        try:
            self._decoder.decode(data, final)
        except UnicodeDecodeError:
            self.suspect = True


@dataclass
class Record:
    """One record: the line it starts on, its cells, and why it could not be read (if so)."""

    line: int
    cells: list[str]
    error: str | None = None
    # Which cell an unreadable record was in when it was refused (0-based), when known.
    column_index: int | None = None


class RecordTooLong(Exception):
    """Raised out of the line stream once a record grows past the limit."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix


class CsvSource:
    """One CSV document, read lazily from the start by `records()`."""

    def __init__(self, data: CsvInput, *, max_record_chars: int = 1 << 30) -> None:
        self._data = data
        self._checked: _CheckedReader | None = None
        self._text_suspect = False
        self.max_record_chars = max_record_chars
        # A UTF-8 BOM marks a formula-safe export (services/csv_formula.py).
        self.had_bom = False
        self._record_chars = 0
        self._record_lines: list[str] = []

    @property
    def bytes_read(self) -> int:
        return self._checked.bytes_read if self._checked is not None else 0

    def records(self) -> Iterator[Record]:
        """Every non-blank record with the physical line it starts on."""
        with self._open() as text:
            reader = csv.reader(self._bounded(text), strict=True)
            while True:
                line = reader.line_num + 1
                self._record_chars = 0
                self._record_lines = []
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except RecordTooLong as exc:
                    # The rest of the file is not read: its lines cannot be told apart.
                    yield _too_long(line, exc.prefix, self.max_record_chars)
                    return
                except csv.Error as exc:
                    yield Record(line, [], f"malformed CSV: {exc}")
                    continue
                if cells:
                    yield Record(line, cells)

    def _bounded(self, lines: Iterable[str]) -> Iterator[str]:
        """The lines, refusing a record (a line, or lines inside quotes) over the limit."""
        limit = self.max_record_chars
        for line in lines:
            self._record_chars += len(line)
            if self._record_chars > limit:
                raise RecordTooLong(_head([*self._record_lines, line], limit))
            self._record_lines.append(line)
            yield line

    @property
    def suspect(self) -> bool:
        """True once text that may hold bad bytes or NUL characters has been read."""
        return self._text_suspect or (self._checked is not None and self._checked.suspect)

    @contextmanager
    def _open(self) -> Iterator[Iterable[str]]:
        """The document's lines, line ends kept (what csv.reader counts lines by)."""
        data = self._data
        if isinstance(data, str):
            self.had_bom = data.startswith("\ufeff")
            text = data.removeprefix("\ufeff")
            self._text_suspect = BAD_TEXT.search(text) is not None
            # Slices of the text itself: io.StringIO would hold a 4-byte-per-character copy.
            yield (match.group() for match in _LINE.finditer(text))
            return
        raw: Any
        if isinstance(data, bytes):
            raw = io.BytesIO(data)
        elif isinstance(data, os.PathLike):
            raw = open(data, "rb")  # noqa: SIM115 (closed with the text wrapper)
        else:
            raw = _Unclosed(data)
        self._checked = _CheckedReader(raw)
        buffered = io.BufferedReader(self._checked, buffer_size=_CHUNK)
        with io.TextIOWrapper(
            buffered, encoding="utf-8", errors="surrogateescape", newline=""
        ) as wrapper:
            yield self._chunked_lines(wrapper)

    def _chunked_lines(self, wrapper: io.TextIOWrapper) -> Iterator[str]:
        """Lines read in bounded chunks: iterating the wrapper would build a whole line
        (a 1 GB upload without a newline: 1 GB of text, several times over) first."""
        parts: list[str] = []
        size = 0
        first = True
        while True:
            chunk = wrapper.read(_CHUNK)
            if first:
                first = False
                self.had_bom = chunk.startswith("\ufeff")
                chunk = chunk.removeprefix("\ufeff")
            if not chunk:
                if parts:
                    yield "".join(parts)
                return
            if "\n" not in chunk and "\r" not in chunk:
                parts.append(chunk)
                size += len(chunk)
                if size > self.max_record_chars:
                    # One line longer than any record may be: refused without joining it.
                    raise RecordTooLong(_head([*self._record_lines, *parts], self.max_record_chars))
                continue
            text = "".join(parts) + chunk
            # A CR at the end may be the first half of a CRLF: wait for the next chunk.
            end = len(text) - 1 if text.endswith("\r") else len(text)
            last = 0
            for match in _LINE.finditer(text, 0, end):
                if match.group()[-1:] not in ("\n", "\r"):
                    break
                yield match.group()
                last = match.end()
            parts = [text[last:]]
            size = len(parts[0])


class _Unclosed(io.RawIOBase):
    """A caller's stream: read from where it is, never closed by us."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def close(self) -> None:
        pass


# Enough of a refused record to tell in which cell the limit was crossed.
_HEAD_CHARS = 1 << 20


def _head(pieces: list[str], limit: int) -> str:
    """The record up to where it crossed the limit (at most _HEAD_CHARS of it)."""
    wanted = min(_HEAD_CHARS, limit + 1)
    taken: list[str] = []
    size = 0
    for piece in pieces:
        taken.append(piece[: wanted - size])
        size += len(taken[-1])
        if size >= wanted:
            break
    return "".join(taken)


def _too_long(line: int, prefix: str, limit: int) -> Record:
    try:
        parsed = next(csv.reader([prefix], strict=False))
    except (csv.Error, StopIteration):
        parsed = [""]
    index = max(len(parsed) - 1, 0)
    return Record(
        line, [], f"a cell is larger than {limit} characters (the limit)", column_index=index
    )


def bad_text_message(cell: str) -> str | None:
    """Why a cell cannot be stored, when it holds bad bytes or a NUL character."""
    match = BAD_TEXT.search(cell)
    if match is None:
        return None
    if match.group() == "\x00":
        return "contains a NUL character, which cannot be stored"
    return "is not valid UTF-8 text"
