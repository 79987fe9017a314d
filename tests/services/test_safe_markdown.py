"""The Markdown body check: its quick look at the colons never lets a script URL through."""

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from schemas.fields import (
    _DANGEROUS_URL,
    _INVISIBLE,
    _may_name_a_script_scheme,
    safe_markdown,
)

SEED = Path(__file__).resolve().parents[1] / "data" / "seed_article.txt"
# Texts made of what the URL check reads: schemes' letters in both cases, the characters before
# a link target, invisible characters and a few others (non-ASCII letters among them)
ALPHABET = "javscriptdbJAVSCRIPTDB:()[]<=\"' url\t\n\r\x00\x0b\x1f\x7f\u00a0éıſK&#;x"


def _finds(text: str) -> bool:
    return bool(_DANGEROUS_URL.search(text) or _DANGEROUS_URL.search(_INVISIBLE.sub("", text)))


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
@example("[x](java\tscript:alert(1))")
@example("<a href=' D a T a :text/html,x'>")
@example("[ref]: VBSCRIPT\n:msgbox")
def test_the_quick_look_never_misses_what_the_searches_find(text):
    if _finds(text):
        assert _may_name_a_script_scheme(text)


@pytest.mark.parametrize(
    "body",
    [
        "[lien](javascript:alert(1))",
        "[lien](JaVa\tScRiPt:alert(1))",
        "![image](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="vbscript&#58;msgbox(1)">x</a>',
        "[ref]: java\nscript:alert(1)",
        "<div style=\"background: url( 'javascript:alert(1)')\">x</div>",
    ],
)
def test_script_urls_are_still_refused(body):
    with pytest.raises(ValidationError):
        safe_markdown(body)


def test_prose_with_colons_and_links_takes_the_quick_path():
    """French prose puts a space before its colons (`Résultat : …`), and ordinary links end
    their scheme in `s:`, `p:` or `o:`: neither asks for the searches."""
    text = SEED.read_text(encoding="utf-8")
    text += "\nRésultat : ok. Le constat : « net ». [Site](https://example.org/a:b) mailto:x@y.fr"
    assert ":" in text
    assert not _may_name_a_script_scheme(text)
    safe_markdown(text)
