"""The Streamlit shell: page context, shared sidebar (filters <-> URL), Data page actions.

Pages import `ui.context` (get_context, empty_state, guard, download_buttons); nothing in
`journey/` imports this package.
"""
