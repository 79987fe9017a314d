"""Fields and validators shared by the resource schemas."""

import html
import re
from datetime import UTC

from marshmallow import ValidationError, fields, validate

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
_EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
# A script-capable URL where a link or image target stands: ](…), <…>, attribute=, [ref]: …
_DANGEROUS_URL = re.compile(
    r"(\]\(|<|=[\"']?|^\s*\[[^\]]*\]:)(javascript|vbscript|data):", re.IGNORECASE | re.MULTILINE
)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def _decodings(value: str) -> tuple[str, ...]:
    """The text, and the text with entities decoded once and twice (`&amp;lt;` tricks)."""
    once = html.unescape(value)
    return value, once, html.unescape(once)


def plain_text(value: str) -> None:
    """Titles, names and captions are text: markup is refused, even entity-encoded."""
    if any(_MARKUP.search(text) for text in _decodings(value)):
        raise ValidationError("Must be plain text: HTML markup is not allowed.")


def safe_markdown(value: str) -> None:
    """Markdown may hold harmless HTML, never anything that could run in a reader's browser."""
    for text in _decodings(value):
        squeezed = _INVISIBLE.sub("", text)
        if _DANGEROUS_TAG.search(text) or _EVENT_HANDLER.search(text):
            raise ValidationError(
                "Scripts, styles, frames, SVG and event handlers are not allowed."
            )
        if _DANGEROUS_URL.search(text) or _DANGEROUS_URL.search(squeezed):
            raise ValidationError(
                "Links and images may not use javascript:, vbscript: or data: URLs."
            )


def PlainText(max_length: int, **kwargs) -> fields.String:  # noqa: N802 - reads like a field
    """A text field: bounded, and free of markup."""
    return fields.String(validate=[validate.Length(max=max_length), plain_text], **kwargs)


def Slug(**kwargs) -> fields.String:  # noqa: N802 - reads like a field class
    """A URL slug: lowercase ASCII words joined by hyphens."""
    metadata = {"pattern": SLUG_PATTERN, **kwargs.pop("metadata", {})}
    return fields.String(
        validate=[validate.Length(min=1, max=SLUG_MAX_LENGTH), slug_validator],
        metadata=metadata,
        **kwargs,
    )


class UTCDateTime(fields.AwareDateTime):
    """RFC 3339 in UTC with a `Z` suffix; input without an offset is read as UTC."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", default_timezone=UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.upper()  # RFC 3339 allows `t` and `z`; fromisoformat does not
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:59:59-01:00 is past the last UTC datetime
            raise ValidationError("Out of range once converted to UTC.") from None

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
