"""Where a survey answer with no stage and no touchpoint sits on the journey.

Written once, here in the store layer, because two layers above read it: analytics (every
figure that groups answers by stage or touchpoint, through `scope.responses_sql`) and ingest
(the import report says how many answers of a file were placed). Neither may import the
other, so the rule lives below both.
"""

from __future__ import annotations

from typing import Any

# Where a survey answer with no stage and no touchpoint goes (a store setting): on the
# customer's latest event at or before the answer ("latest_event", the default), or nowhere.
PLACEMENT_SETTING = "answer_placement"
PLACEMENTS = ("latest_event", "none")


def placement_sql(responses: str = "responses") -> str:
    """SELECT response_id, stage, touchpoint, event_import_id: where each answer of
    `responses` (a table or a parenthesised relation with its columns) with no stage and no
    touchpoint is placed, when the store's placement setting says so; event_import_id is
    the import that brought the event it was placed on.

    Its place is its customer's latest event at or before the answer's time (latest in
    journey order, so same-time events keep file order); an answer before any event of its
    customer, or without a customer or a time, stays unplaced. The setting is read from the
    store here, so every page, export, command and import report places answers the same way.
    """
    return (
        "SELECT response_id, stage, touchpoint, event_import_id FROM ("
        "SELECT r.response_id, je.stage, je.touchpoint, je.import_id AS event_import_id, "
        "ROW_NUMBER() OVER (PARTITION BY r.response_id ORDER BY je.seq DESC) AS rn "
        f"FROM {responses} r JOIN journey_events je ON je.customer_id = r.customer_id "
        "AND je.ts <= r.ts "
        "WHERE r.stage IS NULL AND r.touchpoint IS NULL AND COALESCE((SELECT m.value FROM meta m "
        f"WHERE m.key = 'setting:{PLACEMENT_SETTING}'), '{PLACEMENTS[0]}') = '{PLACEMENTS[0]}'"
        ") placed WHERE rn = 1"
    )


def placement_setting(cur: Any) -> str:
    """The store's placement setting (an unknown or missing value is the default)."""
    row = cur.execute(
        "SELECT value FROM meta WHERE key = ?", [f"setting:{PLACEMENT_SETTING}"]
    ).fetchone()
    return row[0] if row and row[0] in PLACEMENTS else PLACEMENTS[0]


def answers_of_import(cur: Any, import_id: int) -> tuple[int, int]:
    """(answers of import `import_id` naming neither a stage nor a touchpoint, how many of
    them are placed on their customer's latest event now)."""
    own = f"(SELECT * FROM responses WHERE import_id = {int(import_id)})"
    row = cur.execute(
        "SELECT COUNT(*), COUNT(pl.response_id) FROM responses r "
        f"LEFT JOIN ({placement_sql(own)}) pl ON pl.response_id = r.response_id "
        "WHERE r.import_id = ? AND r.stage IS NULL AND r.touchpoint IS NULL", [int(import_id)],
    ).fetchone()
    return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)


def answers_on_events_of(cur: Any, import_id: int) -> int:
    """How many answers (of any import) are placed on an event that import `import_id`
    brought: what an events file did for surveys imported before it."""
    # Only answers of this file's customers can sit on its events: place those alone, so a
    # small import into a big store stays quick.
    iid = int(import_id)
    mine = (f"(SELECT * FROM responses WHERE customer_id IN "
            f"(SELECT customer_id FROM events WHERE import_id = {iid}))")
    row = cur.execute(
        f"SELECT COUNT(*) FROM ({placement_sql(mine)}) pl WHERE pl.event_import_id = ?", [iid],
    ).fetchone()
    return int(row[0] or 0) if row else 0
