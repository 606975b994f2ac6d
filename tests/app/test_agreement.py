"""The same filters on the Overview (tiles, funnel) and the Journey map give the same numbers,
read off what each page shows (AppTest), and the numbers of the core's one definition."""

from __future__ import annotations

import pytest

from journey import i18n
from journey.analytics import reach
from journey.analytics.filters import Filters
from journey.db.store import Store

FILTERS = {"persona": "Busy parent", "device": "mobile"}


def _core(db: str) -> tuple[int, int, dict[str, int]]:
    f = Filters(personas=["Busy parent"], devices=["mobile"],
                stages=["consideration", "purchase"])
    with Store(db) as s:
        t = reach.totals(s.cursor(), f)
        bars = reach.stage_rows(reach.funnel(s.cursor(), f))
    return t["journeys"], t["converted"], dict(zip(bars["stage"], bars["customers"],
                                                   strict=True))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_tiles_funnel_and_map_agree(app_test, demo_db, lang):
    journeys, converted, bars = _core(demo_db)
    assert 0 < converted < journeys and bars["purchase"] == converted
    n, conv = i18n.fmt_int(journeys, lang), i18n.fmt_int(converted, lang)

    at = app_test(demo_db, query_params={**FILTERS, "lang": lang})
    at.sidebar.multiselect(key="sb_stage").set_value(["consideration", "purchase"]).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    tiles = {m.label: m for m in at.metric}
    assert tiles[i18n.t("tile.journeys", lang)].value == n, [c.value for c in at.caption]
    rate = tiles[i18n.t("tile.conversion_rate", lang)]
    assert rate.value == i18n.fmt_pct(converted / journeys, lang)
    assert i18n.t("overview.converted_of", lang, converted=conv, n=n) in str(rate.proto.delta)
    # The tooltip says what it counts and on how many.
    assert f"{conv}" in rate.proto.help and n in rate.proto.help
    # The funnel's conversion-stage bar, as the page writes it under the funnel.
    purchase = i18n.stage_label("purchase", lang)
    line = i18n.t("overview.funnel_conversion", lang, stage=purchase, converted=conv, n=n)
    assert line in [c.value for c in at.caption]

    at.switch_page("views/journey_map.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # The map: its n (caption) and each stage's customers are the funnel's bars.
    assert any(i18n.t("shell.caption.n", lang, n=n) in c.value for c in at.caption)
    assert [m.value for m in at.metric] == [i18n.fmt_int(bars[s], lang)
                                            for s in ("consideration", "purchase")]
    assert i18n.t("map.title_persona", lang, persona="Busy parent") in [
        h.value for h in at.subheader]
