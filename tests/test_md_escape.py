"""The one escape for user text shown through Markdown (journey.i18n.md_escape)."""

from __future__ import annotations

import re

import pytest

from journey.i18n import md_escape
from journey.i18n.markdown import WORD_JOINER

WJ = WORD_JOINER


def _visible(text: str) -> str:
    """What a reader sees: backslash escapes resolved, word joiners invisible."""
    return re.sub(r"\\(.)", r"\1", text).replace(WJ, "")


@pytest.mark.parametrize("text", [
    "![px](http://127.0.0.1:8765/p.png)",
    "[Log in again](http://evil.example/login)",
    "**bold** _it_ `code` ~~gone~~ $x^2$",
    "<img src=x onerror=alert(1)>",
    "# Heading", "> quote", "- item", "+ item", "1. first", "12) twelfth", "=== rule",
    ":red[alarm] :smile: :material/home:",
    "a@b.example www.example.com https://example.com ftp://x.example",
    "Busy parent", "Deal-hunter 2026-01-01 n = 300", "notes.duckdb", "50 % & co",
])
def test_reads_the_same(text: str) -> None:
    assert _visible(md_escape(text)) == text


def test_links_and_images_lose_their_syntax() -> None:
    out = md_escape("![px](http://127.0.0.1:8765/p.png)")
    assert out == f"!\\[px\\](http{WJ}:{WJ}//127.0.0.1:{WJ}8765/p.png)"
    assert "](" not in out.replace("\\]", "") and "http:" not in out
    assert md_escape("[Log in again](http://evil.example/login)").startswith("\\[Log in again\\]")


@pytest.mark.parametrize(("text", "broken"), [
    ("http://evil.example", "http:"), ("HTTPS://evil.example", "HTTPS:"),
    ("www.evil.example", "www."), ("me@evil.example", "e@"), (":smile:", ":s"),
])
def test_autolinks_and_shortcodes_are_defused(text: str, broken: str) -> None:
    # The renderer links URLs and e-mails after escapes are resolved: only a joiner stops it.
    assert broken not in md_escape(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("# h", "\\# h"), ("> q", "\\> q"), ("- i", "\\- i"), ("+ i", "\\+ i"), ("= x", "\\= x"),
    ("1. first", "1\\. first"), ("2) second", "2\\) second"), ("  # h", "  \\# h"),
    ("a # b - c 1. d", "a # b - c 1. d"),  # mid-line these are text
])
def test_line_start_syntax(text: str, expected: str) -> None:
    assert md_escape(text) == expected


def test_emphasis_code_html_math_tables_entities() -> None:
    assert md_escape("*a* _b_ `c` <d> ~e~ $f$ |g| &amp; \\") == (
        "\\*a\\* \\_b\\_ \\`c\\` \\<d\\> \\~e\\~ \\$f\\$ \\|g\\| \\&amp; \\\\")


def test_one_line_and_any_value() -> None:
    assert md_escape("a\n# b\r\n- c") == "a # b - c"
    assert md_escape(None) == ""
    assert md_escape(12) == "12"
    assert md_escape("Sensibilisation") == "Sensibilisation"
