"""Fields and validators shared by the resource schemas."""

import html
import re
from datetime import UTC, date

from flask import current_app
from marshmallow import ValidationError, fields, validate

from api.services.pagination import InvalidCursor, read_cursor

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX_LENGTH = 200
LANGUAGE_PATTERN = r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$"

slug_validator = validate.Regexp(
    SLUG_PATTERN, error="Must be lowercase ASCII letters, digits and single hyphens."
)
language_validator = validate.Regexp(LANGUAGE_PATTERN, error="Must be a BCP 47 language tag.")


# A tag opening or closing, a comment, a doctype or a processing instruction
_MARKUP = re.compile(r"<[a-zA-Z!?/]")
_DANGEROUS_TAG = re.compile(
    r"<\s*/?\s*(script|style|iframe|frame|frameset|object|embed|applet|svg|math|link|meta|base"
    r"|form|input|button|textarea|template|noscript)\b",
    re.IGNORECASE,
)
# An event handler attribute, after a space, a `/` or a closing quote, as browsers read them
# (`<img/src=x/onerror=…>`, `<img src="x"onerror=…>`: raw in a Markdown HTML block)
_EVENT_HANDLER = re.compile(r"<[^>]*[\s/\"']on[a-z]+\s*=", re.IGNORECASE)
# Script in a style attribute, where browsers once ran it
_DANGEROUS_STYLE = re.compile(
    r"<[^>]*\sstyle\s*=[^>]*(expression\s*\(|behavior\s*:|-moz-binding)", re.IGNORECASE
)
# A script-capable URL where a link or image target stands: ](…), <…>, attribute=, [ref]: …,
# CSS url(…)
_DANGEROUS_URL = re.compile(
    r"(\]\(|<|=[\"']?|^\s*\[[^\]]*\]:|url\(\s*[\"']?)(javascript|vbscript|data):",
    re.IGNORECASE | re.MULTILINE,
)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
# The same characters one by one (they are all ASCII), for `_visible_before`
_INVISIBLE_CHARACTERS = frozenset(filter(_INVISIBLE.fullmatch, map(chr, range(0x80))))
# How each scheme `_DANGEROUS_URL` names ends before its colon: `ja`/`vb`-`script` in `pt`,
# `data` in `ta` (no other character matches these letters in a case-insensitive pattern)
_SCHEME_ENDINGS = {("p", "t"), ("t", "a")}
# C0 controls but tab and line breaks, and DEL: no text holds them (PostgreSQL refuses U+0000,
# XML cannot carry any of them)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What a URL never holds raw (RFC 3986): controls, spaces, and the characters that end an
# HTML attribute or tag
_NOT_IN_URLS = re.compile(r"[\x00-\x20\x7f\"<>`]")
URL_MAX_LENGTH = 2048


def _decodings(value: str) -> tuple[str, ...]:
    """The text, and the text with entities decoded once and twice (`&amp;lt;` tricks): each
    distinct one once (a text without entities is checked once, not three times)."""
    once = html.unescape(value)
    return tuple(dict.fromkeys((value, once, html.unescape(once))))


def no_control_characters(value: str) -> None:
    if _CONTROL.search(value):
        raise ValidationError("Control characters are not allowed (tab and line breaks are).")


def plain_text(value: str) -> None:
    """Titles, names and captions are text: markup is refused, even entity-encoded."""
    no_control_characters(value)
    if any(_MARKUP.search(text) for text in _decodings(value)):
        raise ValidationError("Must be plain text: HTML markup is not allowed.")


def url_characters(value: str) -> None:
    if _NOT_IN_URLS.search(value):
        raise ValidationError("Not a valid URL: encode spaces, quotes and angle brackets.")


# The JSON Schema `pattern` each validator function stands for, so the spec says what it
# refuses (api/extensions.py puts it on every field the function validates). Entity-encoded
# markup, which `plain_text` also refuses, is beyond a pattern: the fields' docs say it.
_CONTROL_FREE = r"[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"


def not_blank(value: str) -> None:
    """A name or title needs something other than spaces."""
    if not value.strip():
        raise ValidationError("Must not be blank.")


VALIDATOR_PATTERNS = {
    not_blank: r"^[\s\S]*\S",
    no_control_characters: "^" + _CONTROL_FREE,
    plain_text: r"^(?![\s\S]*<[a-zA-Z!?/])" + _CONTROL_FREE,
}


def _visible_before(text: str, index: int) -> int:
    """Where the last character before `index` that is not invisible stands (-1: none)."""
    index -= 1
    while index >= 0 and text[index] in _INVISIBLE_CHARACTERS:
        index -= 1
    return index


def _may_name_a_script_scheme(text: str) -> bool:
    """Whether a colon follows the end of a script-capable scheme (`pt:`, `ta:`, any case),
    invisible characters between them or not: a text where none does holds no URL that
    `_DANGEROUS_URL` finds, as it is or squeezed. Looking at each colon (back over each run of
    invisible characters at most twice: linear in the text) took 10 us for a 1,000-word body
    where the two searches took 0.5 ms."""
    colon = text.find(":")
    while colon != -1:
        last = _visible_before(text, colon)
        first = _visible_before(text, last) if last > 0 else -1
        if first >= 0 and (text[first].lower(), text[last].lower()) in _SCHEME_ENDINGS:
            return True
        colon = text.find(":", colon + 1)
    return False


def safe_markdown(value: str) -> None:
    """Markdown may hold harmless HTML, never anything that could run in a reader's browser."""
    for text in _decodings(value):
        if any(p.search(text) for p in (_DANGEROUS_TAG, _EVENT_HANDLER, _DANGEROUS_STYLE)):
            raise ValidationError(
                "Scripts, styles, frames, SVG and event handlers are not allowed."
            )
        if _may_name_a_script_scheme(text) and (
            _DANGEROUS_URL.search(text) or _DANGEROUS_URL.search(_INVISIBLE.sub("", text))
        ):
            raise ValidationError(
                "Links and images may not use javascript:, vbscript: or data: URLs."
            )


def PlainText(max_length: int, **kwargs) -> fields.String:  # noqa: N802 - reads like a field
    """A text field: bounded, and free of markup."""
    return fields.String(validate=[validate.Length(max=max_length), plain_text], **kwargs)


# What the spec promises of a URL (its `pattern`, with `format: uri`), checked besides
# `fields.Url`: http(s); an ASCII host name with a top-level domain (IDN in punycode),
# `localhost` or an IPv4 address; an optional port; then an RFC 3986 path, query and fragment,
# non-ASCII and reserved characters percent-encoded. It admits nothing marshmallow's URL check
# refuses (which wants more than a bare `?` or `#` after the host), so the spec and the app
# accept the same URLs.
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_QCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})"  # query and fragment
HTTP_URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://"
    r"(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
    r"|localhost|[0-9]{1,3}(?:\.[0-9]{1,3}){3})"
    r"(?::[0-9]{1,5})?"
    rf"(?:/(?:{_PCHAR}|/)*(?:\?{_QCHAR}*)?(?:#{_QCHAR}*)?"
    rf"|\?(?:{_QCHAR}+(?:#{_QCHAR}*)?|#{_QCHAR}*)"
    rf"|#{_QCHAR}+)?$"
)
http_url_validator = validate.Regexp(
    HTTP_URL_PATTERN,
    error="Not a valid URL: http(s), a host name with its domain, non-ASCII characters and "
    "spaces percent-encoded.",
)


def Url(**kwargs) -> fields.Url:  # noqa: N802 - reads like a field class
    """An absolute http(s) URL, short enough for its column, with nothing raw that could end
    the HTML attribute it is put in."""
    return fields.Url(
        schemes={"http", "https"},
        validate=[validate.Length(max=URL_MAX_LENGTH), http_url_validator, url_characters],
        **kwargs,
    )


def Slug(max_length: int = SLUG_MAX_LENGTH, **kwargs) -> fields.String:  # noqa: N802
    """A URL slug: lowercase ASCII words joined by hyphens, at most `max_length` of them."""
    metadata = {"pattern": SLUG_PATTERN, **kwargs.pop("metadata", {})}
    return fields.String(
        validate=[validate.Length(min=1, max=max_length), slug_validator],
        metadata=metadata,
        **kwargs,
    )


# An offset can take the calendar's first and last days past the first or last UTC datetime
# (9999-12-31T23:59:59-01:00): those two days are refused whatever the offset, as the spec says
EDGE_DAYS_PATTERN = r"^(?!0001-01-01|9999-12-31)"


class UTCDateTime(fields.AwareDateTime):
    """RFC 3339 in UTC with a `Z` suffix; input without an offset is read as UTC."""

    def __init__(self, **kwargs):
        metadata = {"pattern": EDGE_DAYS_PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(format="iso", default_timezone=UTC, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            if _CONTROL.search(value):  # fromisoformat stops reading at U+0000
                raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
            value = value.upper()  # RFC 3339 allows `t` and `z`; fromisoformat does not
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.date() in (date.min, date.max):
            raise ValidationError("Out of range: 0001-01-01 and 9999-12-31 are refused.")
        return moment.astimezone(UTC)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class SortField(fields.String):
    """`sort=-published_at,title`: comma-separated documented keys, `-` for descending.

    Loads as a list of (key, descending) pairs; a key given again is ignored.
    """

    def __init__(self, keys: tuple[str, ...], **kwargs):
        self.keys = keys
        key = f"({'|'.join(keys)})"
        metadata = {
            "pattern": rf"^-?{key}(?:,-?{key})*$",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        # The spec documents the default as a query string would give it: `-published_at`.
        if value is None or isinstance(value, str):
            return value
        return ",".join(f"{'-' if descending else ''}{key}" for key, descending in value)

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        order: list[tuple[str, bool]] = []
        for part in raw.split(","):
            key = part.removeprefix("-")
            if key not in self.keys:
                raise ValidationError(
                    f"Unknown sort key {key!r}; use one of: {', '.join(self.keys)}."
                )
            if all(seen != key for seen, _ in order):  # a repeated key adds nothing
                order.append((key, part.startswith("-")))
        return order


class NameList(fields.String):
    """`fields=title,slug`: comma-separated names out of `names`, loaded as a tuple in the
    order of `names` (a name given twice counts once), with `always` added."""

    def __init__(self, names, *, always: tuple[str, ...] = (), **kwargs):
        self.names, self.always = tuple(names), always
        name = f"({'|'.join(self.names)})"
        metadata = {"pattern": rf"^{name}(?:,{name})*$", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None or isinstance(value, str):
            return value
        return ",".join(value)

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        requested = raw.split(",")
        unknown = [name for name in requested if name not in self.names]
        if unknown:
            shown = ", ".join(f"`{name}`" if name else "an empty name" for name in unknown)
            raise ValidationError(
                f"Unknown: {shown}. Choose among {', '.join(self.names)} (comma-separated)."
            )
        chosen = set(requested) | set(self.always)
        return tuple(name for name in self.names if name in chosen)


class CursorField(fields.String):
    """`cursor=start` begins a walk; every other value is a cursor the API signed (a
    `next_cursor`). Loads as a `pagination.Cursor`; a forged or malformed one is refused."""

    MAX_LENGTH = 500

    def __init__(self, **kwargs):
        metadata = {"minLength": 1, "maxLength": self.MAX_LENGTH, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        if not 1 <= len(raw) <= self.MAX_LENGTH:
            raise ValidationError(f"Must be 1 to {self.MAX_LENGTH} characters long.")
        try:
            return read_cursor(current_app.config["SECRET_KEY"], raw)
        except InvalidCursor as error:
            raise ValidationError(str(error)) from None
