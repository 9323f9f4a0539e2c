"""How `graph-api --help` reads: examples in every command's help, flags without a type.

Typer (0.2x) prints a type column for every option, so a flag shows as
`--dry-run <bool>` although it takes no value; for a flag the name says it all
(`--dry-run`, or `--x/--no-x`), so the column stays empty.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperOption

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="sqlite+aiosqlite:///path or postgresql+asyncpg://..."),
]

_display_type_rich = TyperOption.display_type_rich


def _no_type_for_flags(self: TyperOption, ctx: Any) -> str | None:
    return None if self.is_flag else _display_type_rich(self, ctx)


TyperOption.display_type_rich = _no_type_for_flags  # type: ignore[method-assign]


def example(*commands: str) -> str:
    """An epilog of example command lines (Rich markup: one line each, kept as written)."""
    lines = "\n".join(f"  [bold]$ {escape(command)}[/bold]" for command in commands)
    return f"[dim]Examples:[/dim]\n\n{lines}"


def escape(text: str) -> str:
    """Text shown as written by Rich markup (a `[` would start a tag)."""
    return text.replace("[", r"\[")
