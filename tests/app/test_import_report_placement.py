"""The Data page's import report says how many of a survey file's answers were placed on
their customer's latest event (issue #10, item 4), worked out by hand on a three-row file."""

from __future__ import annotations

from journey.db.store import Store


def test_the_import_report_counts_the_placed_answers(app_test, writable_demo_db) -> None:
    with Store(writable_demo_db) as s:
        last = s.cursor().execute(
            "SELECT customer_id, MAX(ts) FROM events GROUP BY customer_id "
            "ORDER BY customer_id LIMIT 2").fetchall()
    # Two demo customers answer a day after their last event (placed); a stranger answers
    # too (no event: stays without a stage). 3 without a place, 2 placed, 1 left.
    # 2031: after every demo event.
    survey = ("customer_id,timestamp,nps\n"
              + "".join(f"{cid},2031-01-01 10:00:00,9\n" for cid, _ in last)
              + "STRANGER-1,2031-01-01 10:00:00,3\n").encode()
    at = app_test(writable_demo_db, page="views/data.py")
    at.get("file_uploader")[0].upload("survey.csv", survey, "text/csv")
    at.run()
    # Before importing, the dry run under the upload says where the answers would go.
    assert any(c.value.startswith("2 of the 3 answers that name neither a stage nor a "
                                  "touchpoint would be placed") for c in at.caption)
    at.button(key="data_import").click().run()
    # (The upload stays in the box, so the page now also says it was imported already.)
    assert not at.exception
    assert any("Imported 3 rows" in x.value for x in at.success)
    placed = [i.value for i in at.info if "name neither a stage" in i.value]
    assert placed == [
        "**2** of the 3 answers that name neither a stage nor a touchpoint were placed on "
        "their customer’s latest event at or before the answer; 1 stay without a stage (no "
        "event of their customer by then)."]
    # The list of imports says it too, for that import.
    assert "2 of its 3 answers without a stage or touchpoint sit on their customer’s latest " \
        "event" in [c.value for c in at.caption]
