"""Slugs: ASCII, lowercase, hyphenated, unique with a numeric suffix."""

import pytest
from sqlalchemy import select

from api.models import Author, Tag
from api.services import queries
from api.services.content import save_author, save_tag
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


@pytest.mark.parametrize(("model", "save"), [(Tag, save_tag), (Author, save_author)])
def test_a_former_slug_given_again_can_be_left_again(session, model, save):
    """A generated slug may be another row's former one (`unique_slug` sees current slugs
    only): leaving it again redirects it to the row that held it last, never a 500."""
    first = save(session, model(), {"name": "Corée", "social_links": {}})
    save(session, first, {"slug": "coree-du-sud"})
    second = save(session, model(), {"name": "Corée", "social_links": {}})
    assert second.slug == "coree"
    save(session, second, {"slug": "coree-du-nord"})
    session.commit()
    assert session.scalar(queries.moved_slug(model, "coree")) == "coree-du-nord"
    assert session.scalar(select(model.slug).where(model.id == first.id)) == "coree-du-sud"


def test_sort_key_ignores_accents_and_case():
    assert sort_key("Élise") < sort_key("zoé")
