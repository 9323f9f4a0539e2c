"""`graph-api import` and `graph-api export`: exit codes, output, files (run as real processes)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.csv.conftest import write_csv


def cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_API_")}
    return subprocess.run(
        [sys.executable, "-m", "graph_api", *args, "--database-url", database_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def session_of(stdout: str) -> str:
    match = re.search(r"session ([0-9a-f-]{36})", stdout)
    assert match, stdout
    return match.group(1)


async def test_import_into_a_new_session_then_export(
    database_url, les_miserables, tmp_path, run_export
):
    nodes, relationships = les_miserables
    result = cli(
        "import", "--new-session", "--name", "Hugo", "--nodes", str(nodes),
        "--relationships", str(relationships), database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported: session ")
    assert "331 rows in" in result.stdout
    assert "nodes 77 created, 0 updated" in result.stdout
    assert "relationships 254 created, 0 updated; revision 1" in result.stdout
    session_id = session_of(result.stdout)
    out = tmp_path / "out"
    result = cli("export", session_id, "--out", str(out), database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "77 nodes" in result.stdout and "254 relationships" in result.stdout
    exported = await run_export(session_id)
    assert (out / "nodes.csv").read_bytes().decode() == exported.nodes_csv
    assert (out / "relationships.csv").read_bytes().decode() == exported.relationships_csv


async def test_upsert_into_an_existing_session_and_dry_run(database_url, tmp_path, new_session):
    session_id = await new_session(with_default_nodes=True)
    nodes = write_csv(tmp_path / "n.csv", [["node_id", "label"], ["N001", "One"], ["N009", "Nine"]])
    result = cli(
        "import", "--session", session_id, "--nodes", str(nodes), "--mode", "UPSERT",
        "--dry-run", database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("dry run, nothing written: ")
    assert "nodes 1 created, 1 updated" in result.stdout
    assert "revision 1" in result.stdout
    result = cli(
        "import", "--session", session_id, "--nodes", str(nodes), "--mode", "upsert",
        database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "revision 2" in result.stdout


async def test_a_dry_run_into_a_new_session_says_nothing_was_created(
    database_url, tmp_path, unit_of_work
):
    from sqlalchemy import func, select

    from graph_api.db.models import sessions

    nodes = write_csv(tmp_path / "n.csv", [["node_id"], ["a"], ["b"]])
    result = cli(
        "import", "--new-session", "--nodes", str(nodes), "--dry-run", database_url=database_url
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("dry run, nothing written: no session was created; ")
    assert "2 rows in" in result.stdout and "nodes 2 created" in result.stdout
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}", result.stdout)  # no id of a session
    assert "revision" not in result.stdout
    async with unit_of_work(write=False) as db:
        assert (await db.execute(select(func.count()).select_from(sessions))).scalar() == 0


def test_rejected_input_exits_1_with_one_line_per_problem(database_url, tmp_path):
    nodes = tmp_path / "nodes.csv"
    nodes.write_text('node_id,label\na,"two\nlines"\n,empty\nb,B\nb,again\n', encoding="utf-8")
    relationships = write_csv(tmp_path / "rels.csv", [["source", "target"], ["a", "b"]])
    result = cli(
        "import", "--new-session", "--nodes", str(nodes), "--relationships", str(relationships),
        database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{nodes}:4: node_id: node id is empty",
        f"{nodes}:6: node_id: node id 'b' appears twice in the file (first on line 5)",
        f"{relationships}:1: type: missing required column type (type, :TYPE or relationship)",
        "error: The CSV was rejected (3 problems); nothing was imported",
    ]


def test_unknown_session_exits_1(database_url, tmp_path):
    nodes = write_csv(tmp_path / "n.csv", [["node_id"], ["a"]])
    missing = "00000000-0000-4000-8000-000000000000"
    result = cli("import", "--session", missing, "--nodes", str(nodes), database_url=database_url)
    assert result.returncode == 1
    assert result.stderr.startswith("error: SESSION_NOT_FOUND: ")
    result = cli("export", missing, "--out", str(tmp_path / "x"), database_url=database_url)
    assert result.returncode == 1
    assert "SESSION_NOT_FOUND" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["import", "--nodes", "{nodes}"],
        ["import", "--new-session", "--session", "x", "--nodes", "{nodes}"],
        ["import", "--session", "x", "--name", "n", "--nodes", "{nodes}"],
        ["import", "--new-session"],
        ["import", "--new-session", "--nodes", "{missing}"],
        ["import", "--new-session", "--nodes", "{nodes}", "--mode", "merge"],
        ["export", "--out", "{tmp}"],
    ],
)
def test_usage_errors_exit_2(database_url, tmp_path, args):
    nodes = write_csv(tmp_path / "n.csv", [["node_id"], ["a"]])
    values = {"nodes": str(nodes), "missing": str(tmp_path / "nope.csv"), "tmp": str(tmp_path)}
    result = cli(*[arg.format(**values) for arg in args], database_url=database_url)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Usage:" in result.stderr


def test_a_terminal_gets_a_progress_bar(database_url, tmp_path):
    rows = [["node_id", "label"]] + [[f"n{i}", f"Node {i}"] for i in range(60_000)]
    nodes = write_csv(tmp_path / "n.csv", rows)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_API_")}
    env.update({"COLUMNS": "160", "TERM": "xterm"})
    primary, secondary = pty.openpty()
    command = [sys.executable, "-m", "graph_api", "import", "--new-session", "--nodes", str(nodes),
               "--database-url", database_url]  # fmt: skip
    with subprocess.Popen(command, stdout=secondary, stderr=secondary, env=env) as process:
        os.close(secondary)
        output = _read_all(primary)
        assert process.wait(timeout=120) == 0, output
    assert "importing" in output
    assert "rows/s" in output
    assert "imported: session" in output
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output)  # colours and cursor moves out
    # Rows and bytes read of the file's total, along the way and at the end.
    assert re.search(
        r"importing n\.csv .* \d+% +[\d,]+/60,000 rows [\d.]+ (?:bytes|kB)/1\.\d MB", screen
    )
    assert "100% 60,000/60,000 rows" in screen
    assert re.search(r"60,000/60,000 rows 1\.\d MB/1\.\d MB", screen), screen[-500:]
    assert "left" in screen


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode(errors="replace")


def test_paths_are_printed_as_given(database_url, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    nodes = write_csv(folder / "n.csv", [["node_id"], ["bad id"]])
    result = subprocess.run(
        [sys.executable, "-m", "graph_api", "import", "--new-session", "--nodes", "in/n.csv",
         "--database-url", database_url],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("in/n.csv:2: node_id: node id 'bad id' is not a valid node id")
    assert Path(nodes).exists()
