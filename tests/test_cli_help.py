"""`graph-api --help` and every command's help: no type noise on flags, defaults, examples."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from graph_api.cli import app
from graph_api.services.csv.mode import ImportMode


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    """Every command line of the app, groups included, from the app itself."""
    found = [list(prefix)]
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group (Typer has its own click)
            found += _commands(command, (*prefix, name))[1:]
        else:
            found.append([*prefix, name])
    return found


COMMANDS = _commands(typer.main.get_command(app))


def help_of(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "graph-api")
def test_every_command_has_an_example_and_no_bool_noise(command):
    text = help_of(*command)
    assert "<bool>" not in text
    assert "Examples:" in text
    assert f"$ graph-api {' '.join(command)}".rstrip() in text


def test_serve_shows_its_defaults():
    text = help_of("serve")
    for default in ("127.0.0.1", "8000", "sqlite+aiosqlite:///./graph_api.db", "info"):
        assert f"[default: ({default})]" in text, text
    assert "GRAPH_API_PORT" in text


def test_import_describes_columns_json_cells_modes_and_missing_nodes():
    text = help_of("import")
    for words in (
        "node_id (or id, :ID) required",
        "metadata, a JSON object cell",
        "components, a JSON array cell",
        "source, target, type required",
        "properties, a JSON object cell",
        "tags:string[]",
        "--create-missing-nodes: a relationship endpoint",
        "CREATE|UPSERT|REPLACE",
    ):
        assert words in text, words
    for mode in ImportMode:
        assert f"{mode.name}: {mode.help}" in text
