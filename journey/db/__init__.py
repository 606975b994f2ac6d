"""The store: one DuckDB file and the only code that writes it.

`store.Store` owns the connection, the schema and its migrations, transactions, the list of
imports (the only writer of `imports`) and removal of an import as a whole. `derived` keeps the
precomputed journey tables (steps, neighbours, per-customer summaries) in step with every
commit. `engine` is the seam every analytics query runs through.
"""
