"""Slugs: ASCII, lowercase, hyphenated, unique with a numeric suffix."""

import pytest

from api.models import Tag
from api.services.slugs import make_slug, sort_key, unique_slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("séoul", "seoul"),
        ("Séoul accueille la seconde édition", "seoul-accueille-la-seconde-edition"),
        ("L’IA « responsable » !", "l-ia-responsable"),
        ("   ", "untitled"),
    ],
)
def test_make_slug(text, slug):
    assert make_slug(text) == slug


def test_long_slugs_are_cut_at_a_hyphen():
    slug = make_slug("mot " * 100, max_length=22)
    assert slug == "mot-mot-mot-mot-mot"


def test_unique_slug_adds_a_suffix(session, make_tag):
    make_tag(name="Séoul")
    make_tag(name="Seoul!")
    assert unique_slug(session, Tag, "seoul") == "seoul-3"


def test_sort_key_ignores_accents_and_case():
    assert sort_key("Élise") < sort_key("zoé")
