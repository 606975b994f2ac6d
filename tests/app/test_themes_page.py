"""The NPS page's themes under AppTest: the heatmap of themes by stage, the drivers at the
purchase stage with the core's numbers, the theme editor, and the empty state.

The store holds the 33 hand-written verbatims of tests/data/themes_three_subjects.csv (three
subjects of ten comments, see tests/test_themes.py), half at purchase, half at retention.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from app_helpers import run_clean
from small_store import imported_store
from three_subjects import survey

from journey import i18n
from journey.analytics import drivers
from journey.analytics.filters import Filters
from journey.db.store import Store

PAGE = "views/nps.py"


@pytest.fixture()
def themed_db(tmp_path: Path) -> str:
    return imported_store(tmp_path / "themes.duckdb", survey(), "survey.csv")


def _run(app_test, db: str):
    return run_clean(app_test, db, PAGE)


def _spec_values(chart) -> list[dict]:
    # Streamlit ships a chart's data beside its spec, as Arrow tables.
    import pyarrow as pa

    rows: list[dict] = []
    for ds in chart.proto.datasets:
        rows += pa.ipc.open_stream(ds.data.data).read_all().to_pylist()
    inline = json.loads(chart.proto.spec).get("datasets", {})
    return rows + [row for part in inline.values() for row in part]


def test_page_shows_theme_heatmap_and_purchase_drivers(app_test, themed_db):
    at = run_clean(app_test, themed_db, PAGE, nps_themes="1")  # the section opened
    assert i18n.t("themes.title", "en") in [s.value for s in at.main.subheader]
    # The heatmap: one cell per theme × stage, 5 of each theme's 10 comments per stage.
    heat = [c for c in at.get("vega_lite_chart")
            if any(r.get("row") == "prix" and "col" in r for r in _spec_values(c))]
    assert heat, "no themes × stages heatmap"
    cells = {(r["row"], r["col"]): r["n"] for r in _spec_values(heat[0])}
    assert cells == {(label, stage): 5 for label in ("livraison · retard", "attente · caisse",
                                                     "prix")
                     for stage in ("Purchase", "Retention")}
    # Drivers at the purchase stage by default, the costliest first, as the core says.
    with Store(themed_db) as store:
        core = drivers.drivers(store.cursor(), Filters())
    purchase = core[(core["scope"] == "stage") & (core["group"] == "purchase")]
    costly = purchase[purchase["impact"] < 0]
    assert [m.label for m in at.metric][-len(costly):] == costly["label"].tolist()
    assert at.metric[-1].value == f"{i18n.fmt_signed(costly['impact'].iloc[-1], 'en', 1)} pts"
    table = next(df.value for df in at.dataframe if "Impact (pts)" in df.value.columns)
    assert table["Theme"].tolist() == purchase["label"].tolist()
    assert table["Impact (pts)"].tolist() == purchase["impact"].round(2).tolist()
    assert table[i18n.t("charts.n", "en")].tolist() == [5, 5, 5]


def test_rename_from_the_page_is_kept(app_test, themed_db):
    at = _run(app_test, themed_db)
    at.session_state["themes_w_manage"] = True  # the editor is made when opened
    at.run()
    theme = at.selectbox(key="themes_w_pick").value
    at.text_input(key="themes_w_label").input("Prix [trop] élevés")
    at.button[[b.label for b in at.button].index("Rename")].click().run()
    assert not at.exception
    with Store(themed_db) as store:
        (label,) = store.cursor().execute(
            "SELECT user_label FROM themes WHERE theme_id = ?", [theme]).fetchone()
    assert label == "Prix [trop] élevés"


def test_answers_without_comments_show_the_empty_state(app_test, tmp_path: Path):
    data = b"customer_id;stage;nps\nc1;purchase;9\nc2;purchase;3\n"
    at = _run(app_test, imported_store(tmp_path / "plain.duckdb", data, "plain.csv"))
    assert i18n.t("themes.empty", "en") in [i.value for i in at.info]
