"""The sidebar's journey conditions (includes touchpoint; converted / dropped off) end to end:
widgets -> Filters -> the numbers on the page -> the URL -> a new session from that URL."""

from __future__ import annotations

from journey import i18n
from journey.analytics import metrics
from journey.analytics.filters import Filters
from journey.db.store import Store

TOUCHPOINT = "Chatbot"


def _tile(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _expected(db: str, **kw) -> dict:
    with Store(db) as store:
        return metrics.overview(store.cursor(), Filters(**kw))


def _qp(at, key: str) -> list[str]:
    value = at.query_params.get(key)
    return [] if value is None else ([value] if isinstance(value, str) else list(value))


def test_conditions_change_numbers_and_url_and_survive_a_link(app_test, demo_db) -> None:
    at = app_test(demo_db)
    everyone = _tile(at, "Customers")
    converted = _expected(demo_db, outcome="converted")
    dropped = _expected(demo_db, outcome="dropped_off")
    with_tp = _expected(demo_db, includes=[TOUCHPOINT])
    both = _expected(demo_db, includes=[TOUCHPOINT], outcome="dropped_off")
    assert converted["customers"] + dropped["customers"] == _expected(demo_db)["customers"]
    assert 0 < both["customers"] < with_tp["customers"]

    at.sidebar.radio(key="sb_outcome").set_value("converted").run()
    assert not at.exception
    assert _tile(at, "Customers") == i18n.fmt_int(converted["customers"], "en") != everyone
    assert _qp(at, "outcome") == ["converted"]
    assert any("Converted" in c.value or "converted" in c.value for c in at.caption)

    at.sidebar.radio(key="sb_outcome").set_value("dropped_off").run()
    at.sidebar.multiselect(key="sb_includes").set_value([TOUCHPOINT]).run()
    assert not at.exception
    assert _tile(at, "Customers") == i18n.fmt_int(both["customers"], "en")
    assert _qp(at, "outcome") == ["dropped_off"]
    assert _qp(at, "includes") == [TOUCHPOINT]
    assert any(TOUCHPOINT in c.value for c in at.caption)

    # The URL reopens the same view in a new session (a copied link)...
    link = {k: _qp(at, k) for k in ("outcome", "includes", "lang")}
    again = app_test(demo_db, query_params=link)
    assert not again.exception
    assert again.session_state["sb_outcome"] == "dropped_off"
    assert again.session_state["sb_includes"] == [TOUCHPOINT]
    assert _tile(again, "Customers") == i18n.fmt_int(both["customers"], "en")

    # ...and the reset clears both conditions, in the widgets and in the URL.
    again.sidebar.button(key="sb_reset").click().run()
    assert _tile(again, "Customers") == everyone
    assert not _qp(again, "outcome") and not _qp(again, "includes")


def test_conditions_reach_every_page(app_test, demo_db) -> None:
    at = app_test(demo_db, query_params={"includes": TOUCHPOINT, "outcome": "converted"})
    for page in ("views/flows.py", "views/network.py", "views/nps.py", "views/journey_map.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.session_state["sb_outcome"] == "converted", page
        assert at.session_state["sb_includes"] == [TOUCHPOINT], page
        assert _qp(at, "includes") == [TOUCHPOINT], page
        assert any(TOUCHPOINT in c.value for c in at.caption), page
