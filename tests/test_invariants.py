"""Reconciliation invariants on random small stores (hypothesis): every number shown for the
same thing is the same number, whatever the filters.

- each Sankey node's journeys = its outgoing links (drop-off included) before the last step;
  step-1 nodes add up to the journeys drawn; a link never carries more than either end;
- the funnel's first bar = the journeys in scope = the overview's customers = the Sankey's
  journeys; the overview's converted = the funnel's conversion-stage bar (reached at all);
- the journey map's numbers = the same queries on the other pages;
- top paths' shares add up to 100 %, longer journeys say "(+n more steps)";
- a drilled node (named, Other or drop-off) gives a view whose n is the clicked number.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_store import add_import, replace_events

from journey.analytics import flows, journey_map, metrics, reach
from journey.analytics.filters import Filters
from journey.analytics.scope import FlowOptions
from journey.db.store import Store

T0 = dt.datetime(2024, 3, 1)
TOUCHPOINTS = [("ad", "awareness", "social", True), ("page", "consideration", "web", True),
               ("cart", "purchase", "web", True), ("shop", "purchase", "store", False),
               ("club", "retention", "app", True), ("mail", None, "e-mail", True)]
DEVICES = ["mobile", "desktop", None]
PERSONAS = {"x": "P1", "y": "P1", "z": "P2", "w": "P2", "v": "P2"}
_STORE: list[Store] = []


def store() -> Store:
    if not _STORE:
        s = Store(Path(tempfile.mkdtemp()) / "inv.duckdb")
        add_import(s, touchpoints=TOUCHPOINTS, customers=list(PERSONAS.items()),
                   name="model.csv")
        _STORE.append(s)
    return _STORE[0]


events_st = st.lists(
    st.tuples(st.sampled_from(list(PERSONAS)), st.integers(0, 20),
              st.sampled_from([t[0] for t in TOUCHPOINTS]), st.sampled_from(DEVICES)),
    min_size=1, max_size=30,
)
filters_st = st.builds(
    Filters,
    personas=st.sampled_from([(), ("P1",), ("P2",)]),
    devices=st.sampled_from([(), ("mobile",), ("desktop", "mobile")]),
    stages=st.sampled_from([(), ("consideration", "purchase"), ("awareness",)]),
    includes=st.sampled_from([(), ("page",)]),
    outcome=st.sampled_from([None, "converted", "dropped_off"]),
    since=st.sampled_from([None, dt.date(2024, 3, 1)]),
)


def check_sankey(sk: dict, steps: int) -> None:
    nodes = {n["id"]: n for n in sk["nodes"]}
    out = defaultdict(int)
    for lk in sk["links"]:
        out[lk["source_id"]] += lk["customers"]
        assert lk["customers"] <= nodes[lk["source_id"]]["customers"]
        assert lk["customers"] <= nodes[lk["target_id"]]["customers"]
    for n in sk["nodes"]:
        if n["kind"] != flows.KIND_DROPOFF and n["step"] < steps:
            assert out[n["id"]] == n["customers"], n["id"]
    first = sum(n["customers"] for n in sk["nodes"] if n["step"] == 1)
    assert first == sk["anchored_journeys"] == sk["journeys"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=events_st, f=filters_st, steps=st.integers(2, 4), top=st.integers(1, 3),
       gap=st.sampled_from([None, None, 3]), pick=st.integers(0, 50))
def test_every_figure_reconciles(events, f, steps, top, gap, pick):
    s = store()
    replace_events(s, [(c, T0 + dt.timedelta(hours=h), tp, dev, None)
                       for c, h, tp, dev in events])
    cur = s.cursor()
    ov = metrics.overview(cur, f)
    fun = reach.funnel(cur, f)
    opts = FlowOptions(session_gap=gap)
    sk = flows.sankey(cur, f, opts, steps=steps, top=top)
    check_sankey(sk, steps)

    journeys = ov["journeys"]
    assert ov["customers"] == journeys
    if gap is None:
        assert sk["journeys"] == journeys
    if journeys == 0:
        assert fun.empty
        return
    assert int(fun["customers"].iloc[0]) == int(fun["in_order"].iloc[0]) == journeys
    bars = reach.stage_rows(fun).set_index("stage")
    if "purchase" in bars.index:
        assert int(bars.loc["purchase", "customers"]) == ov["converted"]
    else:  # the stage filter hides the conversion stage and every later one
        assert ov["converted"] == 0
    assert list(bars["customers"]) == sorted(bars["customers"], reverse=True)
    assert (bars["in_order"] <= bars["customers"]).all()

    jm = journey_map.build_map(cur, f, lang="en")
    assert jm.n == journeys
    assert [c.stage for c in jm.stages] == list(bars.index)
    assert [c.customers for c in jm.stages] == list(bars["customers"])

    paths = flows.top_paths(cur, f, opts, steps=steps, limit=3)
    assert abs(paths["share"].sum() - 1.0) < 1e-9
    assert paths["customers"].sum() == sk["journeys"]
    for r in paths.itertuples():
        assert ("more step" in r.path_text) == (r.more_max > 0)

    # Drill into one of the drawn nodes: the drilled view's n is that node's number.
    node = sk["nodes"][pick % len(sk["nodes"])]
    drill = flows.Drill(node["step"], node["kind"],
                        node["name"] if node["kind"] == flows.KIND_NODE else None,
                        steps=steps, top=top)
    drilled = flows.sankey(cur, f, opts, steps=steps, top=top, drill=drill)
    assert drilled["journeys"] == node["customers"], node["id"]
    assert len(flows.journey_list(cur, f, opts, drill=drill)) == node["customers"]
    check_sankey(drilled, steps)
