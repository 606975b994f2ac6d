"""The journey map page does not read again what it already has: a language switch redraws
the map from its cached facts (no query), and the emotion curve is drawn from the map's own
scores by stage (one NPS-by-stage query per map, not two). What the page shows is compared
with the core's own answer on the same store, never with demo figures."""

from __future__ import annotations

import functools
import json

import pytest

from journey import i18n
from journey.analytics import journey_map, metrics
from journey.analytics.filters import Filters
from journey.db.store import Store

PAGE = "views/journey_map.py"
PERSONA = "Busy parent"
# The map of one persona: the overview the app lands on first reads no such filters.
MAPPED = Filters(personas=(PERSONA,))


def _problems(at) -> list[str]:
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


@pytest.fixture()
def counted(monkeypatch):
    """Calls of map_facts and of metrics.nps(by="stage"), by their filters."""
    calls: dict[str, list[Filters]] = {"facts": [], "nps_stage": []}
    mapped = repr(MAPPED)
    facts, nps = journey_map.map_facts, metrics.nps

    @functools.wraps(facts)
    def counting_facts(source, filters, **kw):
        if kw.get("persona") == PERSONA:
            calls["facts"].append(filters)
        return facts(source, filters, **kw)

    @functools.wraps(nps)
    def counting_nps(source, filters, **kw):
        if kw.get("by") == "stage" and repr(filters) == mapped:
            calls["nps_stage"].append(filters)
        return nps(source, filters, **kw)

    monkeypatch.setattr(journey_map, "map_facts", counting_facts)
    monkeypatch.setattr(metrics, "nps", counting_nps)
    return calls


def test_a_language_switch_redraws_the_map_without_a_query(app_test, writable_demo_db,
                                                            counted):
    # A store of its own: nothing of it is cached by another test.
    at = app_test(writable_demo_db, page=PAGE, query_params={"map_persona": PERSONA})
    assert not _problems(at)
    assert len(counted["facts"]) == 1
    # One NPS-by-stage query for the map and its emotion curve together.
    assert len(counted["nps_stage"]) == 1
    at.sidebar.radio(key="sb_lang").set_value("fr").run()
    assert not _problems(at)
    assert len(counted["facts"]) == 1 and len(counted["nps_stage"]) == 1
    with Store(writable_demo_db) as s:
        jm = journey_map.build_map(s.cursor(), Filters(), lang="fr", persona=PERSONA,
                                   stages_df=s.stages(), notes_df=s.notes(PERSONA))
    # The French map, as the core makes it: stage labels and customers in French.
    headers = [h.value for h in at.subheader]
    assert all(s.label in headers for s in jm.stages)
    assert [m.value for m in at.metric] == [i18n.fmt_int(s.customers, "fr") for s in jm.stages]


def test_the_emotion_curve_is_the_cores_nps_by_stage(app_test, writable_demo_db, counted):
    at = app_test(writable_demo_db, page=PAGE, query_params={"map_persona": PERSONA})
    assert not _problems(at)
    assert len(counted["nps_stage"]) == 1
    with Store(writable_demo_db) as s:
        df = metrics.nps(s.cursor(), MAPPED, by="stage")
    expected = sorted(round(float(v), 6) for v in df["nps"].dropna())
    assert expected  # the demo has NPS answers on its stages
    shown = sorted(round(float(row["nps"]), 6) for chart in at.get("vega_lite_chart")
                   for row in _rows(chart) if row.get("nps") is not None)
    assert shown == expected


def _rows(chart) -> list[dict]:
    # Streamlit ships a chart's data beside its spec, as Arrow tables.
    import pyarrow as pa

    rows: list[dict] = []
    for ds in chart.proto.datasets:
        rows += pa.ipc.open_stream(ds.data.data).read_all().to_pylist()
    inline = json.loads(chart.proto.spec).get("datasets", {})
    return rows + [row for part in inline.values() for row in part]
