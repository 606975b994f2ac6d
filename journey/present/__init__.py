"""Turning analytics results into pictures and files: ECharts and pyvis (`flow_charts`), Altair
(`stat_charts`), the journey map's PNG/SVG/HTML (`map_export`) and formula-safe CSV (`exports`).
No SQL here: every builder takes a result computed by `journey.analytics`.
"""
