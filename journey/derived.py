"""Tables derived from the imported data, rebuilt after every write.

`journey_events` is what every query reads: each event with its effective stage
(the touchpoint map wins, the file's own stage is the fallback, so editing the map
re-stages history without touching what was imported), the customer's persona, and
its position in the customer's journey.
"""

from __future__ import annotations

import duckdb

REBUILD_SQL = """
CREATE OR REPLACE TABLE customer_persona AS
SELECT customer_id, persona FROM (
    SELECT customer_id, persona,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY import_id DESC) AS rn
    FROM customers
) WHERE rn = 1;

CREATE OR REPLACE TABLE journey_events AS
SELECT
    e.event_id,
    e.customer_id,
    e.ts,
    e.touchpoint,
    COALESCE(t.stage, e.stage) AS stage,
    s.position AS stage_position,
    COALESCE(e.channel, t.channel) AS channel,
    e.device,
    e.revenue,
    cp.persona,
    e.import_id,
    ROW_NUMBER() OVER (PARTITION BY e.customer_id ORDER BY e.ts, e.event_id) AS seq
FROM events e
LEFT JOIN touchpoints t ON t.touchpoint = e.touchpoint
LEFT JOIN stages s ON s.stage = COALESCE(t.stage, e.stage)
LEFT JOIN customer_persona cp ON cp.customer_id = e.customer_id
ORDER BY e.customer_id, e.ts, e.event_id;
"""


def rebuild(cur: duckdb.DuckDBPyConnection) -> None:
    """Recompute derived tables inside the caller's transaction."""
    cur.execute(REBUILD_SQL)
