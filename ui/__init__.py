"""The Streamlit shell around the core; nothing in `journey/` imports this package.

- store.py: the one DuckDB connection per process, cached queries and facts (data version)
- page.py: `PageContext`, what every page's `render(ctx)` receives from app.py
- url_state.py: `UrlState`, the shell's and each page's URL keys (typed, with defaults)
- sidebar.py: the shared filters, language and workshop mode
- captions.py: the filters-and-n caption under every chart
- widgets.py, charts.py, tables.py: what pages draw alike (empty states, downloads, guard,
  charts, tables that become HTML tables when projecting)
- workshop.py: projector CSS and chart sizes; typography.py: French widget texts, whole words
- data_actions.py: the Data page's buttons; rules_editor.py: its touchpoint rules editor, preview,
  Apply / Undo, and the bulk stage assignment
"""
