"""Fields and validators shared by the resource schemas."""

from datetime import UTC

from marshmallow import ValidationError, fields, validate

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX_LENGTH = 200
LANGUAGE_PATTERN = r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$"

slug_validator = validate.Regexp(
    SLUG_PATTERN, error="Must be lowercase ASCII letters, digits and single hyphens."
)
language_validator = validate.Regexp(LANGUAGE_PATTERN, error="Must be a BCP 47 language tag.")


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
