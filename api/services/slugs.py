"""The slug rule (ASCII, lowercase, hyphenated, unique with a numeric suffix) and name folding."""

from slugify import slugify
from sqlalchemy import select
from sqlalchemy.orm import Session

MAX_SLUG_LENGTH = 200
# French elisions separate words: "L’IA" → "l-ia", not "lia"
_ELISIONS = [["’", "-"], ["'", "-"]]


def make_slug(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """`Séoul accueille…` → `seoul-accueille`; never empty."""
    # Cut by ourselves: slugify's word_boundary can drop a middle word.
    slug = slugify(text, replacements=_ELISIONS)
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug.strip("-") or "untitled"


def sort_key(text: str) -> str:
    """`Élise Durand` → `elise durand`: what names are ordered by."""
    return slugify(text, separator=" ", lowercase=True) or text.lower()


def unique_slug(
    session: Session, model, base: str, exclude_id=None, max_length: int = MAX_SLUG_LENGTH
) -> str:
    """`base`, or `base-2`, `base-3`… whichever no other row of `model` uses."""
    stem = base[: max_length - 8].rstrip("-")  # room for a suffix
    stmt = select(model.slug).where(model.slug.like(f"{stem}%"))  # slugs hold no % or _
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    taken = set(session.scalars(stmt))
    if base not in taken:
        return base
    suffix = 2
    while f"{stem}-{suffix}" in taken:
        suffix += 1
    return f"{stem}-{suffix}"
