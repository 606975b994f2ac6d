"""What the command-line tests share: `query ... --json` run and read back, a refused query,
and the three-customer store that test_query_cli.py and test_attribution_cli.py count by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from small_store import clock

from journey.cli import main

day = clock(dt.datetime(2024, 1, 1, 9, 0))
TOUCHPOINTS = [
    ("ad", "awareness", "social", True),
    ("site", "consideration", "web", True),
    ("checkout", "purchase", "web", True),
]
# a: ad > site > checkout (mobile, mobile, desktop; converts, 40 of revenue); b: ad > site;
# c: ad. Consecutive events are one day apart.
EVENTS = [
    ("a", day(0), "ad", "mobile", None),
    ("a", day(1), "site", "mobile", None),
    ("a", day(2), "checkout", "desktop", 40.0),
    ("b", day(0), "ad", "desktop", None),
    ("b", day(1), "site", "desktop", None),
    ("c", day(0), "ad", "mobile", None),
]
CUSTOMERS = [("a", "Parent"), ("b", "Parent"), ("c", "Senior")]


def query_json(capsys: pytest.CaptureFixture[str], db: str | Path, *args: str) -> Any:
    """`python -m journey query ARGS --db DB --json`: exits 0, says nothing on stderr, and
    prints plain JSON (no NaN / Infinity tokens); returns it parsed."""
    code = main(["query", *args, "--db", str(db), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    return json.loads(out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


def query_refused(capsys: pytest.CaptureFixture[str], db: str | Path, *args: str) -> str:
    """`query ARGS --db DB --json` refused: exit 2, nothing on stdout, a plain message (no
    traceback) on stderr, which it returns for the caller to check."""
    code = main(["query", *args, "--db", str(db), "--json"])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    return err
