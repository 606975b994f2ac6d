"""The one URL-state helper's rules, without Streamlit running: parse, sanitize, encode."""

from __future__ import annotations

import datetime as dt

from ui.url_state import Param, UrlState

D = dt.date
STATE = UrlState(
    "t",
    Param("who", "list", default=[], label="filter.persona"),
    Param("level", "str", "touchpoint", choices=("touchpoint", "stage")),
    Param("start", "str"),
    Param("steps", "int", 5, lo=2, hi=15),
    Param("repeats", "bool", False),
    Param("since", "date"),
    Param("q", "str", "", max_len=5),
)


def _parse(url: dict[str, list[str]], **kw):
    return STATE.parse(url, **kw)


def test_missing_keys_give_the_defaults() -> None:
    values, dropped = _parse({})
    assert values == {"who": [], "level": "touchpoint", "start": None, "steps": 5,
                      "repeats": False, "since": None, "q": ""}
    assert dropped == []


def test_typed_values() -> None:
    values, dropped = _parse({"who": ["A", "B", "A"], "level": ["stage"], "steps": ["7"],
                              "repeats": ["1"], "since": ["2026-03-01"], "q": ["abcdefgh"]})
    assert values["who"] == ["A", "B"]  # a repeat kept once
    assert values["level"] == "stage"
    assert values["steps"] == 7
    assert values["repeats"] is True
    assert values["since"] == D(2026, 3, 1)
    assert values["q"] == "abcde"  # cut to max_len
    assert dropped == []


def test_unknown_values_are_dropped_and_named() -> None:
    values, dropped = _parse(
        {"who": ["A", "Nobody"], "level": ["nonsense"], "steps": ["many"], "repeats": ["maybe"],
         "since": ["not-a-date"]},
        known={"who": ["A", "B"]},
    )
    assert values["who"] == ["A"] and values["level"] == "touchpoint"
    assert values["steps"] == 5 and values["repeats"] is False and values["since"] is None
    # Not in the data is told apart from not a value at all.
    assert [(d.param.key, d.value, d.reason) for d in dropped] == [
        ("who", "Nobody", "unknown"), ("level", "nonsense", "invalid"),
        ("steps", "many", "invalid"), ("repeats", "maybe", "invalid"),
        ("since", "not-a-date", "invalid")]


def test_numbers_and_dates_are_clamped_and_said() -> None:
    values, dropped = _parse({"steps": ["99"], "since": ["2031-01-01"]},
                             bounds={"since": (D(2026, 1, 1), D(2026, 6, 30))})
    assert values["steps"] == 15 and values["since"] == D(2026, 6, 30)
    assert [(d.param.key, d.value, d.reason, d.used) for d in dropped] == [
        ("steps", "99", "clamped", 15), ("since", "2031-01-01", "clamped", D(2026, 6, 30))]


def test_known_values_may_depend_on_earlier_ones() -> None:
    def anchors(values: dict) -> list[str]:
        return ["purchase"] if values["level"] == "stage" else ["Cart"]

    values, dropped = _parse({"level": ["stage"], "start": ["Cart"]}, known={"start": anchors})
    assert values["start"] is None and [d.value for d in dropped] == ["Cart"]
    values, dropped = _parse({"level": ["stage"], "start": ["purchase"]},
                             known={"start": anchors})
    assert values["start"] == "purchase" and dropped == []


def test_sanitize_resets_quietly() -> None:
    values = STATE.sanitize({"who": ["A", "Gone"], "level": "stage", "start": "Cart",
                             "steps": 40, "repeats": True, "since": D(2020, 1, 1), "q": "x"},
                            known={"who": ["A"], "start": ["purchase"]},
                            bounds={"since": (D(2026, 1, 1), D(2026, 6, 30))})
    assert values == {"who": ["A"], "level": "stage", "start": None, "steps": 15,
                      "repeats": True, "since": D(2026, 1, 1), "q": "x"}


def test_encode_leaves_defaults_out_and_round_trips() -> None:
    assert STATE.encode(STATE.defaults()) == {}
    values = {"who": ["A", "B"], "level": "stage", "start": "purchase", "steps": 3,
              "repeats": True, "since": D(2026, 2, 1), "q": "abc"}
    url = STATE.encode(values)
    assert url == {"who": ["A", "B"], "level": ["stage"], "start": ["purchase"],
                   "steps": ["3"], "repeats": ["1"], "since": ["2026-02-01"], "q": ["abc"]}
    assert STATE.parse(url)[0] == values


def test_a_false_bool_with_a_true_default_is_written() -> None:
    state = UrlState("b", Param("physics", "bool", True))
    assert state.encode({"physics": False}) == {"physics": ["0"]}
    assert state.encode({"physics": True}) == {}


def test_a_range_may_depend_on_earlier_values() -> None:
    # The verbatim explorer's last page depends on its filters: 45 rows of 20 -> 3 pages,
    # 5 rows -> 1.
    state = UrlState("t", Param("f", "str", "all", choices=("all", "few")),
                     Param("page", "int", 1, lo=1))
    rows = {"all": 45, "few": 5}

    def pages(so_far: dict) -> tuple[int, int]:
        return 1, -(-rows[so_far["f"]] // 20)

    values, dropped = state.parse({"f": ["few"], "page": ["999"]}, bounds={"page": pages})
    assert values == {"f": "few", "page": 1}
    assert [(d.value, d.reason, d.used) for d in dropped] == [("999", "clamped", 1)]
    values, dropped = state.parse({"page": ["999"]}, bounds={"page": pages})
    assert values["page"] == 3 and dropped[0].used == 3
    assert state.sanitize({"f": "few", "page": 3}, bounds={"page": pages})["page"] == 1
    assert state.sanitize({"f": "all", "page": 2}, bounds={"page": pages})["page"] == 2
