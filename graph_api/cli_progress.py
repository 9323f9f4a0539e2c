"""The import's progress on a terminal: one Rich bar per file, following the rows read.

Each bar shows the rows read of the file's total, the bytes read of its size,
the rate in rows a second and the time left (Rich's estimate from the recent
rate). The bars stay on screen when the import ends, so the last state (all
rows, the true total) is what the user is left with. Off a terminal nothing is
drawn: the command prints its one-line summary only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

if TYPE_CHECKING:
    from graph_api.services.csv.progress import ImportProgress
    from graph_api.services.csv.progress import Progress as ProgressHook


class _Rows(ProgressColumn):
    def render(self, task: Task) -> Text:
        total = f"{int(task.total):,}" if task.total is not None else "?"
        return Text(f"{int(task.completed):,}/{total} rows", style="progress.download")


class _Bytes(ProgressColumn):
    def render(self, task: Task) -> Text:
        read, size = task.fields["bytes_read"], task.fields["bytes_total"]
        return Text(f"{decimal(read)}/{decimal(size)}", style="progress.filesize")


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed or 0:,.0f} rows/s", style="progress.data.speed")


@contextmanager
def import_progress(files: dict[str, str]) -> Iterator[ProgressHook | None]:
    """A hook that draws the import's progress on stderr's terminal, or None off a terminal.

    `files`: what to call each file (its path), by "nodes" / "relationships"."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("importing {task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        _Rows(),
        _Bytes(),
        _Rate(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, refresh_per_second=8) as bar:
        tasks: dict[str, TaskID] = {}

        def hook(event: ImportProgress) -> None:
            task = tasks.get(event.file)
            if task is None:
                task = tasks[event.file] = bar.add_task(
                    Path(files.get(event.file, event.file)).name,
                    total=event.rows_total,
                    bytes_read=0,
                    bytes_total=event.bytes_total,
                )
            bar.update(
                task,
                completed=event.rows,
                total=event.rows_total,
                bytes_read=event.bytes_read,
                bytes_total=event.bytes_total,
            )

        yield hook
