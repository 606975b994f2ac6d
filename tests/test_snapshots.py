"""Map snapshots: saved, kept across restarts, removed alone, and "what changed" with margins."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from small_store import add_import, small_store

from journey.analytics import journey_map, snapshots
from journey.analytics.filters import Filters
from journey.analytics.stats import nps_difference, proportion_difference
from journey.cli import main
from journey.db.engine import Engine
from journey.db.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError

T0 = dt.datetime(2024, 1, 1, 9, 0)
TOUCHPOINTS = [
    ("ad", "awareness", "social", True),
    ("site", "consideration", "web", True),
    ("checkout", "purchase", "web", True),
]


def month(prefix: str, day0: int, customers: int, on_site: int, bought: int,
          answers: tuple[int, int, int]) -> tuple[list, list]:
    """`customers` journeys: all see the ad, `on_site` visit the site, `bought` of those buy;
    answers (promoters, passives, detractors) at purchase."""
    events, responses = [], []
    for i in range(customers):
        cid = f"{prefix}{i:03d}"
        t = T0 + dt.timedelta(days=day0, minutes=i)
        events.append((cid, t, "ad", "mobile", None))
        if i < on_site:
            events.append((cid, t + dt.timedelta(hours=1), "site", "mobile", None))
        if i < bought:
            events.append((cid, t + dt.timedelta(hours=2), "checkout", "mobile", 10.0))
    k = 0
    for score, count in zip((10, 8, 3), answers, strict=True):
        for _ in range(count):
            cid = f"{prefix}{k:03d}"
            responses.append((cid, T0 + dt.timedelta(days=day0 + 1), "purchase", "checkout",
                              score, None, None, None))
            k += 1
    return events, responses


# Before: 100 customers, 50 on the site, 20 buy; 40 answers 20/10/10 (NPS 25).
BEFORE = month("a", 0, 100, 50, 20, (20, 10, 10))
# Next month: 100 more, 80 on the site, 60 buy; 40 answers 22/8/10.
AFTER = month("b", 31, 100, 80, 60, (22, 8, 10))


@pytest.fixture
def store(tmp_path):
    s = small_store(tmp_path / "s.duckdb", touchpoints=TOUCHPOINTS, events=BEFORE[0],
                    responses=BEFORE[1], name="january.csv")
    yield s
    s.close()


def lanes(df) -> dict[tuple[str, str], dict]:
    return {(r["stage"], r["lane"]): r for r in df.to_dict(orient="records")}


def test_a_snapshot_holds_the_map_it_was_saved_from(store):
    snap = snapshots.save(store, "January", Filters(), lang="en",
                          saved_at=dt.datetime(2024, 2, 1, 10, 0))
    live = journey_map.build_map(Engine(store.cursor()), Filters(), lang="en")
    assert snap.map == live  # every figure, label and filter, as it was
    assert snap.saved_at == dt.datetime(2024, 2, 1, 10, 0) and snap.filters == Filters()
    got = store.snapshot_lanes("January")
    rows = {(r["stage"], r["lane"]): r for r in got.to_dict(orient="records")}
    reach = rows[("consideration", "reach")]
    assert (reach["value"], reach["n"], reach["x"]) == (50.0, 100.0, 50.0)
    assert reach["margin"] > 0
    score = rows[("purchase", "score")]
    assert (score["value"], score["n"], score["promoters"], score["detractors"]) == (
        25.0, 40.0, 20, 10)
    assert score["margin"] == pytest.approx(live.stage("purchase").margin)
    # Nothing changed yet: every delta is zero and none is significant.
    lanes_df, notes_df = snapshots.compare(store, "January")
    assert (lanes_df["delta"] == 0).all() and not lanes_df["significant"].any()
    assert notes_df.empty


def test_what_changed_after_an_import(store):
    store.set_note("purchase", "Try a one-page checkout")
    snapshots.save(store, "January", Filters(), lang="en")
    add_import(store, events=AFTER[0], responses=AFTER[1], name="february.csv")
    store.set_note("purchase", "One-page checkout shipped")
    lanes_df, notes_df = snapshots.compare(store, "January")
    assert list(lanes_df.columns) == snapshots.CHANGE_COLUMNS
    got = lanes(lanes_df)

    # Reach of consideration: 50 of 100 -> 130 of 200.
    r = got[("consideration", "reach")]
    expected = proportion_difference(100, 50, 200, 130)
    assert (r["before"], r["after"]) == (50.0, 65.0)
    assert r["delta"] == pytest.approx(15.0) and r["margin"] == pytest.approx(expected.margin)
    assert r["significant"] == expected.significant
    # Reach of purchase: 20 of 100 -> 80 of 200: +20 points, well beyond the noise.
    r = got[("purchase", "reach")]
    assert r["delta"] == pytest.approx(20.0) and r["significant"]
    # Conversion from consideration: 20 of 50 -> 80 of 130.
    r = got[("consideration", "conversion")]
    assert r["delta"] == pytest.approx(100 * 80 / 130 - 40.0)
    assert r["margin"] == pytest.approx(proportion_difference(50, 20, 130, 80).margin)
    # Everyone sees the ad, before and after: no move.
    r = got[("awareness", "reach")]
    assert r["delta"] == 0 and not r["significant"]
    # NPS at purchase: 25 (40 answers) -> 27.5 (80 answers): within the noise.
    r = got[("purchase", "score")]
    assert (r["before"], r["after"]) == (25.0, 27.5)
    assert r["margin"] == pytest.approx(nps_difference((40, 20, 10), (80, 42, 20)).margin)
    assert not r["significant"]
    # What moved beyond the noise comes first.
    sig = list(lanes_df["significant"])
    assert sig == sorted(sig, reverse=True) and sig[0]
    assert notes_df.to_dict(orient="records") == [
        {"stage": "purchase", "before": "Try a one-page checkout",
         "after": "One-page checkout shipped"}]


def test_two_snapshots_compare_like_today(store):
    snapshots.save(store, "January", Filters(), lang="en")
    add_import(store, events=AFTER[0], responses=AFTER[1], name="february.csv")
    snapshots.save(store, "February", Filters(), lang="en")
    to_today, _ = snapshots.compare(store, "January")
    between, _ = snapshots.compare(store, "January", "February")
    assert to_today.equals(between)


def test_a_snapshot_keeps_its_filters(store):
    f = Filters(devices=["mobile"], since="2024-01-01", until="2024-01-31")
    snap = snapshots.save(store, "Mobile January", f, lang="fr")
    assert snap.filters == f and snap.lang == "fr"
    add_import(store, events=AFTER[0], responses=AFTER[1], name="february.csv")
    # Today's map asks the same question: February is outside the saved date range.
    lanes_df, _ = snapshots.compare(store, "Mobile January")
    assert (lanes_df["delta"] == 0).all()


def test_snapshots_survive_reopening_and_are_removed_alone(tmp_path):
    path = tmp_path / "keep.duckdb"
    s = small_store(path, touchpoints=TOUCHPOINTS, events=BEFORE[0], responses=BEFORE[1])
    snapshots.save(s, "One", Filters(), lang="en")
    snapshots.save(s, "Two", Filters(), lang="en")
    info = s.info()
    s.close()
    with Store(path) as s:
        assert sorted(snapshots.listing(s)["name"]) == ["One", "Two"]
        assert s.remove_snapshot("One") is True
        assert s.remove_snapshot("One") is False
        assert list(snapshots.listing(s)["name"]) == ["Two"]
        assert s.snapshot_lanes("One").empty and not s.snapshot_lanes("Two").empty
        # Nothing else moved: data, imports, data version.
        assert s.info() == info
        # Removing an import leaves the snapshot as it was.
        before = snapshots.load(s, "Two")
        assert s.remove_import(1)
        assert snapshots.load(s, "Two") == before


def test_names_are_unique_and_required(store):
    snapshots.save(store, "Q1", Filters(), lang="en")
    with pytest.raises(StoreError) as info:
        snapshots.save(store, " Q1 ", Filters(), lang="en")
    assert info.value.code == "snapshot_exists" and "Q1" in info.value.text("fr")
    with pytest.raises(StoreError, match="needs a name"):
        snapshots.save(store, "  ", Filters(), lang="en")
    with pytest.raises(StoreError) as info:
        snapshots.compare(store, "nope")
    assert info.value.code == "snapshot_missing"
    # A name is data, bound as a parameter.
    snapshots.save(store, "Robert'); DROP TABLE events; --", Filters(), lang="en")
    assert store.info()["events"] > 0


def test_a_version_4_store_upgrades_with_nothing_lost(tmp_path):
    path = tmp_path / "v4.duckdb"
    con = duckdb.connect(str(path))
    for step in MIGRATIONS[:4]:
        con.execute(step)
    con.execute("INSERT INTO meta VALUES ('schema_version', '4'), ('data_version', '3')")
    con.execute(
        "INSERT INTO notes VALUES ('', 'purchase', 'Keep me', TIMESTAMP '2024-01-01')")
    con.close()
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION == 8
        assert s.data_version == 3
        assert list(s.notes()["note"]) == ["Keep me"]
        assert s.snapshots().empty


def test_cli(tmp_path, capsys):
    db = str(tmp_path / "cli.duckdb")
    small_store(db, touchpoints=TOUCHPOINTS, events=BEFORE[0], responses=BEFORE[1]).close()
    assert main(["snapshot", "save", "--name", "Jan", "--db", db]) == 0
    assert main(["snapshot", "save", "--name", "Jan mobile", "--device", "mobile",
                 "--db", db]) == 0
    capsys.readouterr()
    assert main(["snapshot", "save", "--name", "Jan", "--db", db]) == 2
    assert "already a snapshot" in capsys.readouterr().err
    assert main(["snapshot", "list", "--json", "--db", db]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {d["name"] for d in listed} == {"Jan", "Jan mobile"}
    mobile = next(d for d in listed if d["name"] == "Jan mobile")
    assert mobile["filters"]["devices"] == ["mobile"]

    with Store(db) as s:
        add_import(s, events=AFTER[0], responses=AFTER[1], name="february.csv")
    assert main(["query", "changes", "--snapshot", "Jan", "--db", db, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert set(rows[0]) == {"stage", "lane", "before", "after", "delta", "margin",
                            "significant"}
    reach = next(r for r in rows if (r["stage"], r["lane"]) == ("purchase", "reach"))
    assert (reach["before"], reach["after"], reach["significant"]) == (20.0, 40.0, True)
    with Store(db) as s:
        s.set_note("purchase", "Shipped")
    assert main(["query", "changes", "--snapshot", "Jan", "--notes", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"stage": "purchase", "before": "", "after": "Shipped"}]
    assert main(["query", "changes", "--snapshot", "Jan", "--to", "Jan mobile", "--db", db,
                 "--json"]) == 0
    capsys.readouterr()
    assert main(["query", "changes", "--snapshot", "Nope", "--db", db, "--json"]) == 2
    assert "no snapshot" in capsys.readouterr().err
    assert main(["query", "changes", "--snapshot", "Jan", "--persona", "X", "--db", db]) == 2
    assert "own filters" in capsys.readouterr().err

    assert main(["snapshot", "remove", "Jan", "--db", db]) == 0
    assert main(["snapshot", "remove", "Jan", "--db", db]) == 1
    capsys.readouterr()
    assert main(["snapshot", "list", "--json", "--db", db]) == 0
    assert [d["name"] for d in json.loads(capsys.readouterr().out)] == ["Jan mobile"]
