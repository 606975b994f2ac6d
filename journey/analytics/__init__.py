"""Questions asked of the store: pure queries that return typed results, never widgets.

`filters` is the `Filters` value (what a person picked: in words, in the URL, on the command
line); `scope` turns it and a `FlowOptions` into SQL (the one owner of filters -> SQL and of
the definition of "converted"); `stats` turns counts into margins (and holds the small-sample
threshold). `reach` holds customers in scope, journeys, converted, conversion rate and the
funnel (their one definition); `flows` (step Sankey, transitions, paths, drop-offs,
network), `metrics` (NPS/CSAT/CES, overview), `devices` (device switching), `journey_map` (a
persona's map) and `filter_options` build on them and run every statement through
`db.engine.Engine`.
"""
