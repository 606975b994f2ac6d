"""Parcours core: store, import, analytics. Never imports streamlit."""

__version__ = "0.1.0"
