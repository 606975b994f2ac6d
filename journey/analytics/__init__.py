"""Questions asked of the store: pure queries that return typed results, never widgets.

`filters` is the `Filters` value (what a person picked) and its URL/CLI round trips; `scope`
turns it into SQL (the one owner of filters -> SQL and of the definition of "converted");
`flows` (step Sankey, transitions, paths, drop-offs, network), `metrics` (NPS/CSAT/CES, funnel,
overview), `devices` (device switching) and `journey_map` (a persona's map) build on it.
"""
