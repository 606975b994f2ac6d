"""Values of a shared link that cannot be used are named in a notice, as text, never Markdown."""

from __future__ import annotations

import datetime as dt

from journey import i18n

EVIL = "[Log in again](http://evil.example/login)"


def _warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def test_unknown_filter_values_are_named(app_test, demo_db) -> None:
    at = app_test(demo_db, query_params={"persona": ["Nobody", "Busy parent"],
                                         "since": "not-a-date"})
    assert not at.exception and not at.error
    assert at.session_state["sb_persona"] == ["Busy parent"]
    notices = _warnings(at)
    assert notices == [
        i18n.t("shell.url_unknown", "en", name="Persona", value="Nobody"),
        i18n.t("shell.url_invalid", "en", name="From", value="not-a-date"),
    ]
    # Said once: the next run (any click) does not repeat it.
    at.run()
    assert _warnings(at) == []


def test_a_link_in_a_persona_name_stays_text(app_test, demo_db) -> None:
    at = app_test(demo_db, page="views/journey_map.py", query_params={"map_persona": EVIL})
    assert not at.exception and not at.error
    shown = " ".join(_warnings(at))
    assert "Log in again" in shown
    assert "](" not in shown.replace("\\]", "") and "http:" not in shown
    assert "map_persona" not in at.query_params  # dropped from the URL too


def test_page_values_in_french(app_test, demo_db) -> None:
    at = app_test(demo_db, page="views/flows.py",
                  query_params={"flows_level": "nonsense", "lang": "fr"})
    assert not at.exception and not at.error
    assert _warnings(at) == [i18n.t("shell.url_invalid", "fr", name=i18n.t("flows.level", "fr"),
                                    value="nonsense")]
    assert at.button_group(key="flows_level").value == "touchpoint"


def test_an_unknown_map_persona_is_named(app_test, demo_db) -> None:
    at = app_test(demo_db, page="views/journey_map.py", query_params={"map_persona": "Nobody"})
    assert not at.exception and not at.error
    assert _warnings(at) == [i18n.t("shell.url_unknown", "en", name="Persona", value="Nobody")]
    assert "This link mentions Persona “Nobody”, which is not in the data" in _warnings(at)[0]


def test_a_period_outside_the_data_is_clamped_and_said(app_test, demo_db) -> None:
    # A link shared before an import was removed: its dates are past the data's last day.
    at = app_test(demo_db, page="views/journey_map.py",
                  query_params={"map_compare": "period", "map_b_since": "2026-02-01",
                                "map_b_until": "2099-07-15"})
    assert not at.exception and not at.error
    last = at.session_state["w_map_b_until"]
    assert last < dt.date(2099, 7, 15) and at.session_state["w_map_b_since"] == dt.date(2026, 2, 1)
    assert _warnings(at) == [i18n.t("shell.url_clamped", "en", name="Second period: to",
                                    value="2099-07-15", used=i18n.fmt_date(last, "en"))]
    assert at.query_params["map_b_until"] == last.isoformat()
