"""Themes of the verbatims and their drivers (issue 13 items 2, 3 and 6).

tests/data/themes_three_subjects.csv holds 33 verbatims written for Parcours: 10 about late
deliveries, 10 about waiting at the till, 10 about prices (French and English mixed), and 3
without a subject ("ras", "Merci", "Très bien"). The themes and their sizes are known.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import three_subjects
from three_subjects import NPS, survey

from journey.analytics import drivers, themes
from journey.analytics.filters import Filters
from journey.cli import main
from journey.db.store import Store
from journey.ingest import importer
from journey.voc import theme_model, theme_words
from journey.voc import themes as stored

LABELS = {"delivery": "livraison · retard", "till": "attente · caisse", "price": "prix"}


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "t.duckdb"
    with Store(path) as store:
        report = importer.import_file(store, survey(), file_name="survey.csv")
        assert report.ok, report.to_text()
    return path


def _listing(path: Path) -> dict[str, int]:
    with Store(path) as store:
        df = themes.themes(store.cursor(), Filters())
    return dict(zip(df["label"], df["size"].astype(int), strict=True))


# -- finding themes -----------------------------------------------------------------------
def test_words_fold_accents_plurals_and_stop_words() -> None:
    assert [k for k, _ in theme_words.words("Les LIVRAISONS et la livraison, très bien")] == [
        "livraison", "livraison"]
    assert [k for k, _ in theme_words.words("The deliveries were late")] == [
        "livraison", "retard"]  # one subject in both languages
    assert theme_words.stem("prix") == "prix"
    assert theme_words.terms("délai d'attente trop long") == [
        "delai", "attente", "long", "delai attente", "attente long"]


def test_three_clear_subjects_give_three_themes_of_ten() -> None:
    rows = three_subjects.rows()
    found = theme_model.find([r["text"] for r in rows])
    assert sorted((f.label, f.size) for f in found.themes) == sorted(
        (label, 10) for label in LABELS.values())
    for r, k in zip(rows, found.theme.tolist(), strict=True):
        if r["subject"] == "none":
            assert k == -1, r["text"]
        else:
            assert found.themes[k].label == LABELS[r["subject"]], r["text"]


# 9 comments of 15 about delivery (more than half), 6 about prices.
DELIVERY = [
    "La livraison est arrivée en retard", "Livraison trop lente, colis abîmé",
    "Ma livraison n'est jamais arrivée", "Livraison rapide, rien à redire",
    "Le livreur a laissé la livraison devant la porte", "Livraison en retard de trois jours",
    "Suivi de livraison introuvable", "Livraison reportée deux fois",
    "La livraison a pris deux semaines",
]
PRICE = [
    "Le prix est trop élevé", "Prix trop cher pour la qualité", "Les prix ont augmenté",
    "Prix correct mais frais de port chers", "Un prix abusif", "Le prix a doublé cette année",
]


def test_a_subject_most_comments_share_is_a_theme() -> None:
    # "livraison" is in 9 of the 15 comments: no other term is in 3 of them (the fewest a
    # theme has here), so dropping it as too common (max_df 0.5) found no theme at all.
    found = theme_model.find(DELIVERY + PRICE)
    assert [(f.label, f.size) for f in found.themes] == [("livraison", 9), ("prix", 6)]
    assert found.theme.tolist() == [0] * 9 + [1] * 6


def test_a_term_in_every_comment_does_not_join_two_subjects() -> None:
    # All 15 say "livraison": 7 about lateness, 8 about the parcel (one of those late too).
    # Kept, it made the two components alike and they merged (12 + 3); left out as saying
    # nothing that tells comments apart, the late ones and the parcel ones are two themes.
    late = ["Livraison en retard", "livraison arrivée en retard", "retard de livraison encore",
            "livraison très en retard", "livraison retard de deux jours",
            "livraison retard inadmissible"]
    parcel = ["livraison en retard, colis ouvert", "livraison: colis abîmé",
              "colis abîmé à la livraison", "livraison colis écrasé", "livraison, colis déchiré",
              "colis perdu pendant la livraison", "livraison colis mouillé",
              "livraison colis abîmé", "livraison sans colis"]
    found = theme_model.find(late + parcel)
    assert [f.size for f in found.themes] == [9, 6]
    parcel_theme, late_theme = found.themes
    assert "colis" in parcel_theme.label and "retard" in late_theme.label
    assert found.theme.tolist() == [1] * 6 + [0] * 9


def test_themes_are_deterministic_for_a_seed() -> None:
    texts = [r["text"] for r in three_subjects.rows()]
    a, b = theme_model.find(texts, seed=3), theme_model.find(texts, seed=3)
    assert a.themes == b.themes
    assert a.theme.tolist() == b.theme.tolist()


def test_too_few_comments_give_no_theme() -> None:
    found = theme_model.find(["Livraison en retard", "Prix trop élevés"])
    assert found.themes == [] and found.theme.tolist() == [-1, -1]


# -- in the store -------------------------------------------------------------------------
def test_import_stores_each_answers_theme(db: Path) -> None:
    assert _listing(db) == {label: 10 for label in LABELS.values()}
    with Store(db) as store:
        df = themes.themes(store.cursor(), Filters())
        rows = store.cursor().execute(
            "SELECT count(*) FROM responses WHERE theme_id IS NULL").fetchone()
    assert rows == (3,)  # ras, Merci, Très bien
    assert df["share"].round(4).tolist() == [round(10 / 33, 4)] * 3
    assert all(len(ex) == 3 for ex in df["examples"])
    # NPS per theme, by hand: the answers' scores cycle 3, 8, 10 by file order.
    nps = dict(zip(df["label"], df["nps"].round(1), strict=True))
    assert nps == {"livraison · retard": -10.0, "attente · caisse": 0.0, "prix": 10.0}
    # Without examples (the NPS page's pickers): the same themes and figures, no examples.
    with Store(db) as store:
        bare = themes.themes(store.cursor(), Filters(), examples=0)
    assert bare.drop(columns="examples").equals(df.drop(columns="examples"))
    assert bare["examples"].tolist() == [[], [], []]


def test_rename_merge_pin_persist_across_recompute(db: Path) -> None:
    with Store(db) as store:
        df = themes.themes(store.cursor(), Filters())
        ids = dict(zip(df["label"], df["id"].astype(int), strict=True))
        stored.rename(store, ids["prix"], "Prix trop élevés")
        stored.merge(store, ids["attente · caisse"], ids["livraison · retard"])
        assert _listing(db) == {"Prix trop élevés": 10, "attente · caisse": 20}
        stored.recompute(store)
        assert _listing(db) == {"Prix trop élevés": 10, "attente · caisse": 20}
        # Pinned: kept with its label even when its comments no longer say it.
        stored.pin(store, ids["prix"])
        with store.transaction() as cur:
            cur.execute("UPDATE responses SET comment = 'ras' WHERE theme_id = ?",
                        [ids["prix"]])
        stored.recompute(store)
        assert _listing(db) == {"attente · caisse": 20, "Prix trop élevés": 0}
        # Unpinned, a theme nothing matches any more leaves the list.
        stored.pin(store, ids["prix"], False)
        stored.recompute(store)
        assert _listing(db) == {"attente · caisse": 20}
        # A blank label goes back to the automatic one.
        stored.rename(store, ids["attente · caisse"], "  ")
        assert _listing(db) == {"attente · caisse": 20}


def test_edits_refuse_bad_ids(db: Path) -> None:
    with Store(db) as store:
        with pytest.raises(stored.ThemeError, match="no theme 99"):
            stored.rename(store, 99, "x")
        with pytest.raises(stored.ThemeError, match="itself"):
            stored.merge(store, 1, 1)


# -- drivers ------------------------------------------------------------------------------
def _tiny(path: Path) -> None:
    """10 answers at purchase: theme 1 on 4 of them (NPS 2, 3, 9, 5), 6 others (10, 10, 9,
    8, 7, 2; one without a comment)."""
    with Store(path) as store, store.transaction() as cur:
        cur.execute("INSERT INTO imports VALUES (1, 'x', 'h', 'responses', 'x', 10, 0, "
                    "TIMESTAMP '2025-01-01', NULL)")
        cur.execute("INSERT INTO themes (theme_id, label, terms) VALUES (1, 'attente', '{}'), "
                    "(2, 'prix', '{}')")
        scores = [(2, 1), (3, 1), (9, 1), (5, 1), (10, 2), (10, None), (9, None), (8, None),
                  (7, None), (2, None)]
        for i, (nps, theme) in enumerate(scores):
            comment = None if i == 9 else f"comment {i}"
            cur.execute(
                "INSERT INTO responses (response_id, customer_id, stage, nps, comment, "
                "import_id, theme_id) VALUES (?, ?, 'purchase', ?, ?, 1, ?)",
                [i, f"c{i}", nps, comment, theme])


def test_drivers_nps_gap_margin_and_impact_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "d.duckdb"
    _tiny(path)
    with Store(path) as store:
        df = drivers.drivers(store.cursor(), Filters())
    row = df[(df["scope"] == "stage") & (df["id"] == 1)].iloc[0]
    assert row["group"] == "purchase"
    assert (row["n"], row["group_n"]) == (4, 10)
    assert row["share"] == pytest.approx(0.4)
    assert row["nps"] == pytest.approx(-50.0)           # 1 promoter, 3 detractors of 4
    assert row["nps_others"] == pytest.approx(100 / 3)  # 3 promoters, 1 detractor of 6
    assert row["gap"] == pytest.approx(-50.0 - 100 / 3)
    assert row["impact"] == pytest.approx(0.4 * (-50.0 - 100 / 3))
    # Adjusted-Wald: theme n'=7, p'=1.75/7, d'=3.75/7; others n'=9, p'=3.75/9, d'=1.75/9.
    assert row["centre"] == pytest.approx(-50.7937, abs=1e-3)
    assert row["margin"] == pytest.approx(79.1309, abs=1e-3)
    assert bool(row["noise"]) and bool(row["small_sample"])
    # The costliest first; "all" rows before the stage rows.
    assert df["scope"].tolist() == ["all", "all", "stage", "stage"]
    assert df[df["scope"] == "stage"]["id"].tolist() == [1, 2]


def test_drivers_refuse_an_unknown_grouping(tmp_path: Path) -> None:
    path = tmp_path / "d.duckdb"
    _tiny(path)
    with Store(path) as store, pytest.raises(ValueError, match="stage or touchpoint"):
        drivers.drivers(store.cursor(), Filters(), by="persona")


# -- CLI ----------------------------------------------------------------------------------
def test_query_themes_and_drivers_json(db: Path, capsys) -> None:
    assert main(["query", "themes", "--db", str(db), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [set(r) for r in out] == [{"id", "label", "size", "share", "nps", "nps_n",
                                      "margin", "pinned", "examples"}] * 3
    by_label = {r["label"]: r for r in out}
    assert by_label["prix"]["size"] == 10 and by_label["prix"]["nps"] == 10.0
    assert by_label["prix"]["share"] == pytest.approx(10 / 33)
    assert main(["query", "drivers", "--db", str(db), "--json", "--stage", "purchase"]) == 0
    out = json.loads(capsys.readouterr().out)
    stage_rows = [r for r in out if r["scope"] == "stage"]
    assert {r["group"] for r in stage_rows} == {"purchase"}
    assert sum(r["n"] for r in stage_rows) == 15  # 5 per theme among 17 purchase answers
    assert all(r["group_n"] == 17 for r in stage_rows)
    impacts = [r["impact"] for r in stage_rows]
    assert impacts == sorted(impacts)
    assert main(["query", "drivers", "--db", str(db), "--json", "--by", "persona"]) == 2
    assert "stage or touchpoint" in capsys.readouterr().err


def test_themes_cli_rename_merge_pin(db: Path, capsys) -> None:
    assert main(["query", "themes", "--db", str(db), "--json"]) == 0
    ids = {r["label"]: r["id"] for r in json.loads(capsys.readouterr().out)}
    assert main(["themes", "rename", str(ids["prix"]), "Prix", "--db", str(db)]) == 0
    assert main(["themes", "merge", str(ids["prix"]), str(ids["attente · caisse"]),
                 "--db", str(db)]) == 0
    assert main(["themes", "pin", str(ids["prix"]), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["query", "themes", "--db", str(db), "--json"]) == 0
    out = {r["label"]: (r["size"], r["pinned"]) for r in json.loads(capsys.readouterr().out)}
    assert out == {"Prix": (20, True), "livraison · retard": (10, False)}
    assert main(["themes", "pin", "99", "--db", str(db)]) == 2
    assert "no theme 99" in capsys.readouterr().err
    # The verbatims carry their theme's label.
    assert main(["query", "verbatims", "--db", str(db), "--json", "--search", "prix"]) == 0
    assert {r["theme"] for r in json.loads(capsys.readouterr().out)} == {"Prix"}


# -- the real French file -----------------------------------------------------------------
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-exports"


@pytest.mark.skipif(not (REAL / "nps_benavent_fr.csv").is_file(),
                    reason="the real exports (../shared/real-exports) are not here")
def test_real_french_file_has_readable_themes(tmp_path: Path) -> None:
    with Store(tmp_path / "r.duckdb") as store:
        assert importer.import_file(store, REAL / "nps_benavent_fr.csv").ok
        df = themes.themes(store.cursor(), Filters())
    labels = df["label"].tolist()
    assert 6 <= len(labels) <= theme_model.MAX_THEMES
    # The subjects a reader of the file finds: waiting at the till, prices, advice, staff.
    for word in ("caisse", "prix", "conseils", "personnel"):
        assert any(word in label for label in labels), (word, labels)
    nps = dict(zip(df["label"], df["nps"], strict=True))
    price = min(v for k, v in nps.items() if k.startswith("prix"))
    staff = max(v for k, v in nps.items() if k.startswith("personnel"))
    assert price < staff - 30  # prices cost NPS, friendly staff earns it
    assert int(df["size"].sum()) > 2_500  # most of the 3,838 comments have a theme


def test_the_explorer_filters_verbatims_by_theme_label_and_rename(db: Path) -> None:
    from journey.analytics import voc

    with Store(db) as store:
        cur = store.cursor()
        assert voc.has_themes(cur)
        till = voc.verbatims(cur, Filters(), theme="attente · caisse", limit=None)
        assert len(till) == 10
        assert set(till["theme"]) == {"attente · caisse"}
        assert voc.count_verbatims(cur, Filters(), theme="prix") == 10
        theme_id = int(themes.themes(cur, Filters()).set_index("label").loc["prix", "id"])
    with Store(db) as store:
        stored.rename(store, theme_id, "Prices")
        cur = store.cursor()
        # the user's name is the one the explorer filters and shows
        assert voc.count_verbatims(cur, Filters(), theme="Prices") == 10
        assert voc.count_verbatims(cur, Filters(), theme="prix") == 0


# -- removing an import -------------------------------------------------------------------
def _two_imports(path: Path) -> tuple[int, int]:
    """In one import 8 delivery, 5 price, 2 till comments and the 3 without a subject; in
    another the 2 other delivery, 5 other price and 8 other till comments."""
    header = "customer_id;stage;nps;comment"
    first, second = [header], [header]
    seen: dict[str, int] = {}
    kept = {"delivery": 8, "price": 5, "till": 2, "none": 3}
    for i, r in enumerate(three_subjects.rows()):
        line = f"c{i:02d};{('purchase', 'retention')[i % 2]};{NPS[i % 3]};{r['text']}"
        seen[r["subject"]] = seen.get(r["subject"], 0) + 1
        (first if seen[r["subject"]] <= kept.get(r["subject"], 3) else second).append(line)
    ids = []
    with Store(path) as store:
        for name, lines in (("a.csv", first), ("b.csv", second)):
            report = importer.import_file(store, ("\n".join(lines) + "\n").encode(),
                                          file_name=name)
            assert report.ok, report.to_text()
            ids.append(report.import_id)
    return ids[0], ids[1]


def test_removing_an_import_finds_the_themes_again_keeping_the_edits(tmp_path: Path) -> None:
    path = tmp_path / "two.duckdb"
    _, prices = _two_imports(path)
    assert _listing(path) == {label: 10 for label in LABELS.values()}
    with Store(path) as store:
        df = themes.themes(store.cursor(), Filters())
        ids = dict(zip(df["label"], df["id"].astype(int), strict=True))
        stored.rename(store, ids["livraison · retard"], "Retards")
        stored.pin(store, ids["prix"])
        assert importer.remove_import(store, prices)
        assigned = store.cursor().execute(
            "SELECT theme_id, count(*) FROM responses WHERE theme_id IS NOT NULL "
            "GROUP BY 1 ORDER BY 1").fetchall()
    # The 2 till comments left are fewer than a theme needs (3): that theme leaves the list
    # and they are in none (without the recompute it stayed, "attente · caisse": 2). The
    # rename and the pin are kept.
    assert _listing(path) == {"Retards": 8, "prix": 5}
    assert assigned == sorted([(ids["livraison · retard"], 8), (ids["prix"], 5)])
    with Store(path) as store:
        pinned = themes.themes(store.cursor(), Filters())
    assert dict(zip(pinned["label"], pinned["pinned"], strict=True)) == {
        "Retards": False, "prix": True}


def test_cli_remove_finds_the_themes_again(tmp_path: Path, capsys) -> None:
    path = tmp_path / "two.duckdb"
    _, prices = _two_imports(path)
    assert main(["remove", "--db", str(path), str(prices)]) == 0
    assert _listing(path) == {"livraison · retard": 8, "prix": 5}
    # An import without answers changes no theme (and finds none again).
    with Store(path) as store:
        assert not importer.remove_import(store, 999)
