"""CSS added in every mode: Streamlit's own widget texts in French, and words kept whole.

Streamlit 1.67 has no setting for the texts its uploader and date fields write themselves
("Upload", "1GB per file", "dd/mm/yyyy"): the uploader's label and help are ours, and for the
rest the English text is hidden (font-size 0) and the catalogue's French drawn in its place by
a `::after` rule. The calendar's month and day names follow the browser's language (a French
browser gets French months and Monday first), which no app setting reaches.

Only fixed CSS and catalogue strings go in here (quoted as CSS strings); never user text.
"""

from __future__ import annotations

import streamlit as st

from journey import i18n

# A journey map's stage names (views/journey_map.py keys their row): a size that fits a fifth
# of the page, so "Recommandation" is never cut into "Recommandati / on".
_WHOLE_WORDS = (
    "[class*='st-key-map_stage_heads'] h3 { font-size: clamp(1rem, 1.45vw, 1.5rem); "
    "overflow-wrap: normal; word-break: normal; hyphens: manual; }"
)
_WHOLE_WORDS_WORKSHOP = (
    "[data-testid='stMain'] [class*='st-key-map_stage_heads'] h3 "
    "{ font-size: clamp(1.3rem, 1.8vw, 2.1rem); }"
)


def css_string(text: str) -> str:
    """`text` as a CSS string literal that cannot end the rule or the <style> element."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return '"' + out.replace("<", "\\3c ").replace(">", "\\3e ") + '"'


def _replace(selector: str, text: str, size: str) -> str:
    return (f"{selector} {{ font-size: 0 !important; }}"
            f"{selector}::after {{ content: {css_string(text)}; font-size: {size}; }}")


def french_widgets(upload_types: list[str] | None = None) -> str:
    """The French texts of Streamlit's uploader and date fields (see the module)."""
    limit_mb = int(st.get_option("server.maxUploadSize") or 200)
    size = (i18n.fmt_num(limit_mb / 1024, "fr", 0 if limit_mb % 1024 == 0 else 1) + "\u00a0Go"
            if limit_mb >= 1024 else i18n.fmt_int(limit_mb, "fr") + "\u00a0Mo")
    types = ", ".join(t.upper() for t in (upload_types or []))
    limit = i18n.t("data.upload_limit", "fr", size=size) + (f" • {types}" if types else "")
    zone = "[data-testid='stFileUploaderDropzone']"
    date = "[data-testid='stDateInputField'] [data-placeholder='true']"
    return "".join((
        _replace(f"{zone} button [data-testid='stMarkdownContainer'] p",
                 i18n.t("data.upload_button", "fr"), "0.875rem"),
        _replace("[data-testid='stFileUploaderDropzoneInstructions'] span", limit, "0.875rem"),
        _replace(f"{date}[data-type='day']", "jj", "0.875rem"),
        _replace(f"{date}[data-type='year']", "aaaa", "0.875rem"),
    ))


def style(lang: str, workshop: bool, upload_types: list[str] | None = None) -> str:
    """The <style> element for this run's language and mode."""
    rules = _WHOLE_WORDS + (_WHOLE_WORDS_WORKSHOP if workshop else "")
    if lang == "fr":
        rules += french_widgets(upload_types)
    return f"<style>{rules}</style>"
