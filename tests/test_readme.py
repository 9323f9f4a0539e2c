"""The README and docs/ are what a newcomer follows: their commands, links and example work."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = {
    path: path.read_text(encoding="utf-8") for path in [ROOT / "README.md", *ROOT.glob("docs/*.md")]
}


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def _cli(*args: str, database_url: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_API_")}
    result = subprocess.run(
        [sys.executable, "-m", "graph_api", *args, "--database-url", database_url],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_csv_example_imports_as_the_readme_says(database_url: str, tmp_path: Path) -> None:
    section = _section(README, "CSV format")
    nodes, relationships = re.findall(r"```csv\n(.*?)```", section, re.DOTALL)
    (tmp_path / "nodes.csv").write_text(nodes, encoding="utf-8")
    (tmp_path / "relationships.csv").write_text(relationships, encoding="utf-8")
    shown = re.search(r"\$ (graph-api import .*)\n(imported: .*)\n", section)
    assert shown, "the README shows the import command and its output"
    command, output = shown.groups()
    stdout = _cli(*shlex.split(command)[1:], database_url=database_url, cwd=tmp_path)
    # Everything but the session id and the timing is as shown.
    vary = re.compile(r"session [0-9a-f-]{36}|rows in [0-9.]+s \([0-9,]+ rows/s\)")
    assert vary.sub("", stdout.strip()) == vary.sub("", output)

    session = re.search(r"session ([0-9a-f-]{36})", stdout)
    assert session, stdout
    session_id = session.group(1)
    _cli("export", session_id, "--out", "out", database_url=database_url, cwd=tmp_path)
    exported = {
        name: list(csv.DictReader(io.StringIO((tmp_path / "out" / name).read_text())))
        for name in ("nodes.csv", "relationships.csv")
    }
    by_id = {row["node_id"]: row for row in exported["nodes.csv"]}
    assert (by_id["moon"]["label"], by_id["moon"]["type"]) == ("moon", "concept")
    assert json.loads(by_id["sun"]["metadata"]) == {"radius_km": 696340, "color": "yellow"}
    moon_orbit = next(r for r in exported["relationships.csv"] if r["source"] == "moon")
    assert json.loads(moon_orbit["properties"]) == {"note": "tidally locked"}


def test_pages_link_only_to_files_of_the_repository() -> None:
    for path, text in PAGES.items():
        assert "CONTRACT.md" not in text and "../shared" not in text, path
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if target.startswith(("http://", "https://")):
                continue
            assert (path.parent / target).exists(), f"{path.name} links to missing {target}"


def test_documented_make_targets_exist_and_ci_runs_the_readme_commands() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))
    commands = re.compile(r"(?:`|^)make ([a-z][a-z-]*)", re.MULTILINE)
    documented = set(commands.findall("\n".join(PAGES.values())))
    assert {"serve", "test", "lint"} <= documented
    assert documented <= targets, documented - targets
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make lint\b", ci, re.MULTILINE)
    assert re.search(r"^env -u GRAPH_API_TEST_DATABASE_URL make test\b", ci, re.MULTILINE)
