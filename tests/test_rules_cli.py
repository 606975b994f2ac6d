"""`python -m journey rules ...`: list, use, add, remove, export, import, bad input."""

from __future__ import annotations

import json

import pytest
from small_store import small_store
from test_rules import COLS, EVENTS, MAP

from journey.cli import main
from journey.cli.rules import from_csv, to_csv
from journey.db.rules import Rule
from journey.db.store import Store


@pytest.fixture
def db(tmp_path):
    small_store(tmp_path / "c.duckdb", events=EVENTS, event_columns=COLS, touchpoints=MAP).close()
    return str(tmp_path / "c.duckdb")


def _list(db, capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["rules", "list", "--json", "--db", db]) == 0
    return json.loads(capsys.readouterr().out)


def test_add_remove_and_order(db, capsys):
    assert main(["--db", db, "rules", "add", "--where", "touchpoint", "--one-of",
                 "scroll|session_start", "--hide"]) == 0
    assert "5 events in journeys" in capsys.readouterr().out
    assert main(["rules", "add", "--where", "page_location", "--url-path", "/product/*",
                 "--set-touchpoint", r"Product \1", "--db", db]) == 0
    assert main(["rules", "add", "--where", "event_name", "--equals", "view",
                 "--set-touchpoint", "Page", "--position", "1", "--db", db]) == 0
    rules = _list(db, capsys)
    assert [(r["n"], r["action"], r["value"]) for r in rules] == [
        (1, "touchpoint", "Page"), (2, "hide", None), (3, "touchpoint", r"Product \1")]
    with Store(db) as s:
        names = [r[0] for r in s.cursor().execute(
            "SELECT touchpoint FROM journey_events WHERE customer_id = 'A' ORDER BY seq"
        ).fetchall()]
    assert names == ["Page", "Page", "cart", "purchase"]
    assert main(["rules", "remove", "1", "--db", db]) == 0
    with Store(db) as s:
        names = [r[0] for r in s.cursor().execute(
            "SELECT touchpoint FROM journey_events WHERE customer_id = 'A' ORDER BY seq"
        ).fetchall()]
    assert names == ["Product 42", "Product 7", "cart", "purchase"]


def test_bad_rule_is_a_clear_error_and_changes_nothing(db, capsys):
    assert main(["rules", "add", "--where", "touchpoint", "--regex", "(a+)+",
                 "--hide", "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: Rule 1: The pattern") and "Nothing was changed" in err
    assert main(["rules", "remove", "3", "--db", db]) == 2
    assert "There is no rule 3" in capsys.readouterr().err
    assert _list(db, capsys) == []


def test_use_a_set_twice_keeps_one_copy(db, capsys):
    assert main(["rules", "use", "ecommerce", "--db", db]) == 0
    first = _list(db, capsys)
    assert main(["rules", "use", "ecommerce", "--db", db]) == 0
    assert _list(db, capsys) == first and len(first) == 8
    with Store(db) as s:
        rows = s.cursor().execute(
            "SELECT touchpoint, stage FROM journey_events WHERE customer_id = 'A' ORDER BY seq"
        ).fetchall()
    assert rows[1:3] == [("Product page", "consideration")] * 2
    assert rows[4:] == [("Cart", "consideration"), ("Purchase", "purchase")]


def test_export_import_round_trip(db, tmp_path, capsys):
    rules = [Rule("touchpoint", "equals", "=cmd|' /C calc'!A0", "touchpoint", "+Danger"),
             Rule("page_location", "url_path", "/p/*", "touchpoint", r"P \1", "view", None)]
    data = to_csv(rules)
    assert b"'=cmd" in data and b"'+Danger" in data
    assert from_csv(data) == rules
    with Store(db) as s:
        s.set_rules(rules)
    out = tmp_path / "rules.csv"
    assert main(["rules", "export", str(out), "--db", db]) == 0
    with Store(db) as s:
        s.set_rules([])
    assert main(["rules", "import", str(out), "--db", db]) == 0
    with Store(db) as s:
        assert s.rules() == rules


def test_import_of_a_wrong_file_says_what_is_missing(db, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,pattern\nx,y\n", encoding="utf-8")
    assert main(["rules", "import", str(bad), "--db", db]) == 2
    assert "lacks the column(s) field, kind, action" in capsys.readouterr().err


def test_a_wrong_rules_file_is_said_in_the_readers_language():
    from journey.db.store import StoreError

    with pytest.raises(StoreError) as missing:
        from_csv(b"name,pattern\nx,y\n")
    fr = missing.value.text("fr", "app")
    assert fr.startswith("Il manque au fichier de règles") and "field, kind, action" in fr
    assert "\u202f;" in fr and "\u202f:" in fr and "lacks" not in fr
    assert "lacks the column(s) field, kind, action" in missing.value.text("en", "app")
    with pytest.raises(StoreError) as encoding:
        from_csv("field,kind\n\xe9".encode("latin-1"))
    assert "UTF-8\u202f: enregistrez" in encoding.value.text("fr", "app")
