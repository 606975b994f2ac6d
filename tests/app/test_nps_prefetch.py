"""The NPS page reads its figures side by side after a filter change (ui/prefetch.py): each
query runs once, in a worker thread, and the page shows the core's numbers for the new
filters. Figures are compared with the core's own answer on the same store."""

from __future__ import annotations

import functools
import threading

import pytest
from app_helpers import direct, run_clean

from journey.analytics import compare, metrics, themes, voc, voc_journeys
from journey.analytics.filters import Filters
from journey.present import stat_charts as sc

PAGE = "views/nps.py"


@pytest.fixture()
def calls(monkeypatch):
    """Each run of these core functions: (name, kwargs that pick the figure, thread name)."""
    seen: list[tuple[str, str, str]] = []

    def count(module, name):
        fn = getattr(module, name)

        @functools.wraps(fn)
        def counting(*args, **kw):
            seen.append((name, repr(sorted(kw.items())), threading.current_thread().name))
            return fn(*args, **kw)

        monkeypatch.setattr(module, name, counting)

    for module, name in ((metrics, "nps"), (metrics, "heatmap"), (compare, "trend"),
                         (voc_journeys, "by_variant"), (voc, "sentiment_trend"),
                         (voc, "verbatims"), (voc, "count_verbatims"), (themes, "themes"),
                         (voc, "themes_available")):
        count(module, name)
    return seen


def test_a_filter_change_reads_each_figure_once_side_by_side(app_test, writable_demo_db,
                                                              calls):
    # A store of its own: no other test's cache answers for it.
    at = run_clean(app_test, writable_demo_db, PAGE)
    first = list(calls)
    assert first and all(t == "MainThread" or "ScriptRunner" in t for _, _, t in first)
    calls.clear()
    persona = at.multiselect(key="sb_persona").options[1]
    at.multiselect(key="sb_persona").set_value([persona]).run()
    assert not at.exception and not at.error
    # Every figure once (a second run of a key would mean the prefetched value was missed).
    keys = [(name, kw) for name, kw, _ in calls]
    assert len(keys) == len(set(keys)), keys
    names = sorted(name for name, _ in keys)
    # The headline, the groups (by stage), the heatmap, the trend (which reads the NPS by
    # month), the sentiment, the paths, the explorer's count (a count-only verbatims read)
    # and its first page, the themes' list (the explorer's theme picker, the editor).
    assert sorted(keys) == sorted([
        ("nps", repr([("by", None)])), ("nps", repr([("by", "stage")])),
        ("heatmap", repr([("cols", "stage"), ("metric", "nps"), ("rows", "persona")])),
        ("trend", "[]"), ("nps", repr([("by", "month")])),
        ("sentiment_trend", repr([("grain", "month")])), ("by_variant", repr([("top", 10)])),
        ("count_verbatims", "[]"), ("verbatims", repr([("count_only", True)])),
        ("verbatims", repr([("limit", 20), ("offset", 0)])),
        ("themes", repr([("examples", 0)])), ("themes_available", "[]"),
    ])
    # ... and read by the prefetch's worker threads, not one after the other by the page.
    workers = [name for name, _, t in calls if t.startswith("ThreadPoolExecutor")]
    assert sorted(workers) == names
    # The page shows the new selection's own figures.
    core = direct(writable_demo_db, metrics.nps, Filters(personas=(persona,)), by=None).iloc[0]
    assert at.metric[0].value == sc.fmt_signed(float(core["nps"]), "en")
    assert f"n = {int(core['n'])}" in at.metric[0].label


def test_the_first_view_reads_in_the_page_without_threads(app_test, writable_demo_db, calls):
    # Nothing drawn yet: the page's controls (and a link's values) are not known, so the
    # page reads as it draws (no guess made ahead of them).
    run_clean(app_test, writable_demo_db, PAGE, nps_by="touchpoint")
    assert calls
    assert not [t for _, _, t in calls if t.startswith("ThreadPoolExecutor")]
    assert ("nps", repr([("by", "touchpoint")])) in [(n, kw) for n, kw, _ in calls]
