"""Article bodies: Markdown to sanitized HTML, and the values derived from a body at save time."""

import math
import re
from dataclasses import dataclass
from html import unescape

import nh3
from markdown_it import MarkdownIt

WORDS_PER_MINUTE = 230
EXCERPT_LENGTH = 300

# CommonMark, tables and strikethrough; raw HTML is allowed in the source and then sanitized.
# Pure Python, about 1 ms a 1,000-word article. Tried and left (2026-11-27): cmarkgfm (C, twelve
# times quicker) frees neither the tree nor the HTML of a render with extensions, about 37 KB
# lost a render in a process that renders for days; pyromark (Rust, twenty times quicker)
# strikes out the text between two single tildes (`~50 € … ~3 %`); markdown-it-pyrs 0.4.0
# (Rust, eight times quicker, the same HTML on 10,000 generated bodies) panics on 9 % of
# random Markdown-ish inputs (`pyo3_runtime.PanicException`, which `except Exception` does not
# catch) and writes other HTML for 14 % (leading and trailing spaces kept, emphasis).
_markdown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
_WORD = re.compile(r"\w+(?:[’'-]\w+)*")
_BLOCK_BREAK = re.compile(r"</(?:p|h[1-6]|li|blockquote|pre|tr|figcaption)>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
# Text that reads as markup once unescaped (`&lt;img …&gt;` → `<img …>`)
_MARKUP_LIKE = re.compile(r"<([a-zA-Z!?/][^<>]*)(>?)")


@dataclass(frozen=True)
class RenderedBody:
    html: str
    text: str
    word_count: int
    reading_time: int


def sanitize_html(html: str) -> str:
    """No script, style, event handler or javascript:/data: URL survives; links get a safe rel."""
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # The serializer writes U+00A0 as `&nbsp;`; keep the character as the writer typed it.
    return cleaned.replace("&nbsp;", "\u00a0")


def html_to_text(html: str) -> str:
    """Plain text of sanitized HTML, one line per block."""
    return unescape(_TAG.sub("", _BLOCK_BREAK.sub("\n", html))).strip()


def render_markdown(source: str) -> RenderedBody:
    return _rendered(sanitize_html(_markdown.render(source)))


def render_html(source: str) -> RenderedBody:
    return _rendered(sanitize_html(source))


def _rendered(html: str) -> RenderedBody:
    text = html_to_text(html)
    words = len(_WORD.findall(text))
    return RenderedBody(
        html=html,
        text=text,
        word_count=words,
        reading_time=math.ceil(words / WORDS_PER_MINUTE) if words else 0,
    )


def make_excerpt(html: str, limit: int = EXCERPT_LENGTH) -> str:
    """The first paragraph's text, cut at a word boundary with an ellipsis when too long."""
    match = re.search(r"<p>(.*?)</p>", html, re.DOTALL)
    text = unescape(_TAG.sub("", match.group(1))).strip() if match else ""
    # An excerpt is plain text, as one a writer gives must be: text that would read as a tag
    # wherever it is inserted as HTML gets angle quotes instead (`<script>` → `‹script›`)
    text = _MARKUP_LIKE.sub(lambda m: f"‹{m.group(1)}{'›' if m.group(2) else ''}", text)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:")
    return f"{cut}…"
