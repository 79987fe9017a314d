"""Bodies: Markdown rendered to sanitized HTML, with derived values computed at save time."""

import re

import pytest

from api.services.rendering import make_excerpt, render_markdown, sanitize_html


def test_markdown_heading_and_paragraphs():
    html = render_markdown("Intro.\n\n## Le Sommet de Séoul\n\nSuite.").html
    assert html == "<p>Intro.</p>\n<h2>Le Sommet de Séoul</h2>\n<p>Suite.</p>\n"


@pytest.mark.parametrize(
    "dangerous",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        "<style>body{display:none}</style>",
        "[x](javascript:alert(1))",
    ],
)
def test_nothing_executable_survives(dangerous):
    html = render_markdown(dangerous).html
    assert not re.search(r"<(script|style)|\son\w+=|(href|src)=\"(javascript|data):", html), html


def test_tables_and_strikethrough_as_github_writes_them():
    html = render_markdown("~~barré~~, ~pas barré~\n\n| a | b |\n|:--|--:|\n| 1 | 2 |").html
    assert html == (
        "<p><s>barré</s>, ~pas barré~</p>\n<table>\n<thead>\n<tr>\n<th>a</th>\n"
        "<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n"
        "</tbody>\n</table>\n"
    )  # alignment is presentation: the sanitizer drops it


def test_links_get_a_safe_rel():
    html = sanitize_html('<a href="https://example.org">x</a>')
    assert 'rel="noopener noreferrer nofollow"' in html


def test_typography_survives_rendering():
    text = "L'”AI Safety Summit” — « bien » à l’IA,\u00a0 la suite"
    assert render_markdown(text).html == f"<p>{text}</p>\n"


def test_word_count_and_reading_time():
    rendered = render_markdown(" ".join(["mot"] * 460))
    assert rendered.word_count == 460
    assert rendered.reading_time == 2


def test_elided_words_count_once():
    assert render_markdown("L’intelligence d’aujourd’hui").word_count == 2


def test_excerpt_is_the_first_paragraph_cut_at_a_word():
    html = render_markdown(" ".join(["mot"] * 200) + "\n\nSecond.").html
    excerpt = make_excerpt(html, limit=50)
    assert excerpt.endswith("…") and len(excerpt) <= 51
    assert "Second" not in excerpt
