"""The CLI's global options and its behaviour in a pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from journey.cli import main
from journey.db.store import Store

ROOT = Path(__file__).resolve().parents[1]


def _store(tmp_path: Path) -> str:
    path = tmp_path / "s.duckdb"
    src = tmp_path / "ev.csv"
    src.write_text(
        "customer_id,timestamp,touchpoint\n"
        "c1,2024-01-01 10:00,Ad\nc1,2024-01-01 10:05,Shop\nc2,2024-01-02 09:00,Ad\n",
        encoding="utf-8",
    )
    assert main(["import", str(src), "--db", str(path)]) == 0
    return str(path)


def test_db_before_or_after_the_subcommand(tmp_path: Path, capsys) -> None:
    db = _store(tmp_path)
    capsys.readouterr()
    assert main(["--db", db, "query", "paths", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main(["query", "paths", "--json", "--db", db]) == 0
    after = json.loads(capsys.readouterr().out)
    assert before == after
    assert sorted((r["path_text"], r["customers"]) for r in before) == [("Ad", 1), ("Ad → Shop", 1)]


def test_subcommand_db_wins_over_the_global_one(tmp_path: Path, capsys) -> None:
    db = _store(tmp_path)
    other = str(tmp_path / "other.duckdb")
    with Store(other):
        pass
    capsys.readouterr()
    assert main(["--db", other, "info", "--json", "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["events"] == 3


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    db = _store(tmp_path)
    # Like `| head` that has already left: the reading end is closed before the CLI (still
    # importing) writes a byte, so its output meets a broken pipe every time.
    code = (
        "import subprocess, sys\n"
        f"p = subprocess.Popen([sys.executable, '-m', 'journey', '--db', {db!r}, 'query', "
        "'transitions'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=sys.argv[1])\n"
        "p.stdout.close()\n"
        "err = p.stderr.read().decode(); rc = p.wait()\n"
        "print(rc, repr(err))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    rc, err = out.stdout.strip().split(" ", 1)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert rc == "0"
