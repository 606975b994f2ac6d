"""The verbatim explorer on a store of hostile comments: markup and Markdown stay text, the
highlight cannot be broken out of, the CSV cannot run as a formula."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from small_store import small_store  # noqa: E402

from journey import i18n  # noqa: E402
from journey.present.exports import safe_csv  # noqa: E402
from ui import voc_explorer  # noqa: E402

PAGE = "views/nps.py"
IMG = "<img src=x onerror=alert(1)> awful service"
LINK = "[link](http://x) terrible, click here"
BREAK = "slow] :red[**fake**] <b>bold</b>"
FORMULA = "=HYPERLINK(\"http://x\",\"slow\")"
# Live markup or a live link: a "<" or "](" that no backslash escapes.
LIVE = re.compile(r"(?<!\\)<[a-z]|(?<!\\)\]\(")
COMMENTS = [IMG, LINK, BREAK, FORMULA, "Great staff"]


@pytest.fixture
def hostile_db(tmp_path) -> str:
    path = tmp_path / "hostile.duckdb"
    store = small_store(
        path, touchpoints=[("Ad", "awareness", "social", True)],
        customers=[(f"c{i}", "P") for i in range(len(COMMENTS))],
        events=[(f"c{i}", "2026-03-01 10:00:00", "Ad", "mobile") for i in range(len(COMMENTS))],
        event_columns=("customer_id", "ts", "touchpoint", "device"),
        responses=[(f"c{i}", f"2026-03-0{i + 2} 12:00:00", "awareness", "Ad", 2, text)
                   for i, text in enumerate(COMMENTS)],
        response_columns=("customer_id", "ts", "stage", "touchpoint", "nps", "comment"),
    )
    store.close()
    return str(path)


@pytest.mark.parametrize(("text", "term"), [(IMG, None), (IMG, "img"), (LINK, "link"),
                                            (BREAK, "slow"), (BREAK, "]"), (LINK, "(")])
def test_highlight_escapes_every_piece(text, term):
    out = voc_explorer.highlight(text, term)
    # Without the highlight's own directive, what is left is exactly the escaped text.
    plain = out.replace(":orange-background[", "")
    pieces = i18n.md_escape(text)
    if term:
        assert out.count(":orange-background[") == text.lower().count(term.lower())
        # each highlighted piece closes with the one bracket md_escape never leaves bare
        plain = plain.replace(i18n.md_escape(text[text.lower().find(term.lower()):][:len(term)])
                              + "]", i18n.md_escape(term))
    assert not LIVE.search(out)
    assert plain.replace("\\", "") == pieces.replace("\\", "")


def test_hostile_comments_are_shown_as_text(app_test, hostile_db):
    at = app_test(hostile_db, page=PAGE)
    assert not at.exception, [e.value for e in at.exception]
    rows = [m.value for m in at.markdown if ":gray[" in m.value]
    assert len(rows) == len(COMMENTS)
    body = "\n".join(rows)
    # Markup and links are escaped, never live.
    assert not LIVE.search(body)
    assert "\\<img src=x onerror=alert(1)\\>" in body and "\\[link\\]" in body
    # A colour directive is broken by a word joiner, its brackets escaped.
    assert ":\u2060red\\[" in body and ":red[" not in body and "\\<b\\>" in body
    at.text_input(key="nps_w_q").set_value("slow").run()
    rows = [m.value for m in at.markdown if ":gray[" in m.value]
    assert len(rows) == 2  # BREAK and FORMULA
    # The comment's own "]" is escaped: it cannot close the highlight early.
    broken = next(r for r in rows if "fake" in r)
    assert broken.startswith(":orange-background[slow]\\] :\u2060red\\[")


class _Ctx:
    lang = "en"

    def t(self, key, **kw):
        return i18n.t(key, "en", **kw)

    def stage_label(self, stage):
        return str(stage)


def test_csv_of_the_explorer_neutralises_formulas(hostile_db):
    from journey.analytics import voc
    from journey.analytics.filters import Filters
    from journey.db.store import Store

    with Store(hostile_db) as store:
        df = voc.verbatims(store.cursor(), Filters(), limit=None)
    csv = safe_csv(voc_explorer._verbatim_table(_Ctx(), df)).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv and ",=HYPERLINK" not in csv
