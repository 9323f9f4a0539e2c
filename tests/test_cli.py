"""The `graph-api` command (CONTRACT.md §1): serve, schema export, db upgrade, python -m."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from graph_api.cli import _settings, app
from graph_api.graphql.schema import export_sdl

PYTHON = sys.executable
BIN = Path(PYTHON).parent


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_API_")}
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_python_dash_m_help():
    result = subprocess.run(
        [PYTHON, "-m", "graph_api", "--help"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for command in ("serve", "schema", "db"):
        assert command in result.stdout


def test_schema_export_to_stdout():
    result = CliRunner().invoke(app, ["schema", "export"])
    assert result.exit_code == 0, result.output
    assert result.stdout == export_sdl()


def test_schema_export_to_a_file(tmp_path):
    target = tmp_path / "out.graphql"
    result = CliRunner().invoke(app, ["schema", "export", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == export_sdl()


def test_db_upgrade_creates_a_fresh_database(tmp_path):
    path = tmp_path / "fresh.db"
    result = subprocess.run(
        [str(BIN / "graph-api"), "db", "upgrade", "--database-url", f"sqlite+aiosqlite:///{path}"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"sessions", "nodes", "components", "relationships", "changes", "saves"} <= tables
    assert len(version) == 1
    # Upgrading again is a no-op.
    again = subprocess.run(
        [str(BIN / "graph-api"), "db", "upgrade"],
        capture_output=True,
        text=True,
        env=_env(GRAPH_API_DATABASE_URL=f"sqlite+aiosqlite:///{path}"),
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr


def test_flags_win_over_environment_over_defaults(monkeypatch):
    monkeypatch.delenv("GRAPH_API_PORT", raising=False)
    assert _settings().port == 8000
    monkeypatch.setenv("GRAPH_API_PORT", "9001")
    assert _settings().port == 9001
    assert _settings(port=9002).port == 9002
    assert _settings(port=None).port == 9001


@pytest.mark.slow
def test_serve_creates_the_database_and_answers_health(tmp_path):
    path = tmp_path / "served.db"
    port = _free_port()
    process = subprocess.Popen(
        [
            str(BIN / "graph-api"),
            "serve",
            "--port",
            str(port),
            "--database-url",
            f"sqlite+aiosqlite:///{path}",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=_env(),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"serve did not come up (exit {process.poll()}):\n{output}")
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
        created = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": "mutation { createSession { revision } }"},
            timeout=10,
        )
        assert created.json() == {"data": {"createSession": {"revision": 1}}}
        assert path.exists()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
