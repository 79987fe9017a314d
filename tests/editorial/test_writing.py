"""Writing articles, tags and authors: creation, partial changes, slugs, bodies, If-Match."""

import pytest

from tests.conftest import assert_problem


@pytest.fixture
def create(client, editor):
    def create(**body):
        response = client.post("/v1/articles", json={"title": "Titre", **body}, headers=editor)
        assert response.status_code == 201, response.get_json()
        return response

    return create


def _read(client, headers, article_id):
    response = client.get(f"/v1/articles/{article_id}", headers=headers)
    return response.get_json()["data"], response.headers["ETag"]


def test_create_answers_201_with_location_and_a_draft(client, create):
    response = create(title="Séoul accueille")
    data = response.get_json()["data"]
    assert response.headers["Location"] == f"/v1/articles/{data['id']}"
    assert data["status"] == "draft" and data["published_at"] is None
    assert data["slug"] == "seoul-accueille"


def test_generated_slugs_are_unique_with_a_numeric_suffix(create):
    slugs = [create(title="Séoul").get_json()["data"]["slug"] for _ in range(3)]
    assert slugs == ["seoul", "seoul-2", "seoul-3"]


def test_an_explicit_slug_already_used_is_a_409(client, editor, create):
    create(slug="pris")
    response = client.post("/v1/articles", json={"title": "x", "slug": "pris"}, headers=editor)
    assert_problem(response, 409, "slug")


def test_derived_values_are_stored_at_save_time(create):
    data = create(body="Un deux trois.\n\nQuatre.").get_json()["data"]
    assert data["excerpt"] == "Un deux trois."
    assert data["word_count"] == 4 and data["reading_time"] == 1


def test_a_given_excerpt_is_kept(create):
    data = create(body="Corps.", excerpt="Chapô choisi").get_json()["data"]
    assert data["excerpt"] == "Chapô choisi"


def test_html_bodies_are_stored_sanitized(create):
    body = '<p onclick="x()">Bonjour <script>alert(1)</script><a href="https://a.fr">lien</a></p>'
    data = create(body=body, body_format="html").get_json()["data"]
    assert data["body_html"] == data["body"]
    assert "script" not in data["body"] and "onclick" not in data["body"]
    assert 'rel="noopener noreferrer nofollow"' in data["body_html"]


def test_patch_changes_only_the_fields_sent(client, editor, create):
    created = create(subtitle="Chapô", body="Texte.").get_json()["data"]
    _data, etag = _read(client, editor, created["id"])
    response = client.patch(
        f"/v1/articles/{created['id']}",
        json={"title": "Nouveau titre"},
        headers={**editor, "If-Match": etag},
    )
    data = response.get_json()["data"]
    assert data["title"] == "Nouveau titre"
    assert data["subtitle"] == "Chapô" and data["body"] == "Texte."
    assert data["slug"] == created["slug"]  # slugs change only when asked
    assert response.headers["ETag"] != etag


def test_patch_rederives_an_excerpt_that_was_derived(client, editor, create):
    created = create(body="Ancien.").get_json()["data"]
    _data, etag = _read(client, editor, created["id"])
    response = client.patch(
        f"/v1/articles/{created['id']}",
        json={"body": "Nouveau."},
        headers={**editor, "If-Match": etag},
    )
    assert response.get_json()["data"]["excerpt"] == "Nouveau."


def test_patch_without_if_match_is_a_428_and_changes_nothing(client, editor, create):
    created = create().get_json()["data"]
    response = client.patch(f"/v1/articles/{created['id']}", json={"title": "x"}, headers=editor)
    assert_problem(response, 428)
    assert _read(client, editor, created["id"])[0]["title"] == "Titre"


def test_patch_with_a_stale_if_match_is_a_412_and_changes_nothing(client, editor, create):
    created = create().get_json()["data"]
    _data, first = _read(client, editor, created["id"])
    client.patch(
        f"/v1/articles/{created['id']}", json={"title": "Un"}, headers={**editor, "If-Match": first}
    )
    response = client.patch(
        f"/v1/articles/{created['id']}",
        json={"title": "Deux"},
        headers={**editor, "If-Match": first},
    )
    assert_problem(response, 412)
    assert _read(client, editor, created["id"])[0]["title"] == "Un"


def test_delete_without_if_match_is_a_428(client, editor, create):
    created = create().get_json()["data"]
    assert_problem(client.delete(f"/v1/articles/{created['id']}", headers=editor), 428)


def test_a_changed_slug_answers_301_from_the_old_one(client, editor, make_article):
    article = make_article(title="Ancien titre")
    _data, etag = _read(client, editor, article.id)
    client.patch(
        f"/v1/articles/{article.id}",
        json={"slug": "nouveau-titre"},
        headers={**editor, "If-Match": etag},
    )
    response = client.get("/v1/articles/slug/ancien-titre")
    assert response.status_code == 301
    assert response.headers["Location"] == "/v1/articles/slug/nouveau-titre"
    assert client.get("/v1/articles/slug/nouveau-titre").status_code == 200


def test_an_old_slug_of_an_unpublished_article_stays_a_404(client, editor, create):
    created = create(title="Brouillon").get_json()["data"]
    _data, etag = _read(client, editor, created["id"])
    client.patch(
        f"/v1/articles/{created['id']}",
        json={"slug": "secret"},
        headers={**editor, "If-Match": etag},
    )
    response = client.get("/v1/articles/slug/brouillon")
    assert_problem(response, 404)
    assert "secret" not in response.get_data(as_text=True)


def test_an_author_key_signs_its_articles_by_default(client, make_key, make_author):
    author = make_author(name="Anne Lévy")
    response = client.post(
        "/v1/articles", json={"title": "Signé"}, headers=make_key("author", author=author)
    )
    assert [a["slug"] for a in response.get_json()["data"]["authors"]] == ["anne-levy"]


def test_tags_and_authors_are_set_in_order(create, make_tag):
    first, second = make_tag(name="Premier"), make_tag(name="Second")
    data = create(tags=[second.slug, first.slug]).get_json()["data"]
    assert [t["slug"] for t in data["tags"]] == ["second", "premier"]


@pytest.mark.parametrize("resource", ["tags", "authors"])
def test_tag_and_author_crud(client, editor, resource):
    response = client.post(f"/v1/{resource}", json={"name": "Économie"}, headers=editor)
    assert response.status_code == 201
    item = response.get_json()["data"]
    assert item["slug"] == "economie"
    assert response.headers["Location"] == f"/v1/{resource}/{item['id']}"
    response = client.patch(f"/v1/{resource}/{item['id']}", json={"slug": "eco"}, headers=editor)
    assert response.get_json()["data"]["slug"] == "eco"
    assert client.get(f"/v1/{resource}/slug/economie").headers["Location"] == (
        f"/v1/{resource}/slug/eco"
    )
    assert client.delete(f"/v1/{resource}/{item['id']}", headers=editor).status_code == 204
    assert client.get(f"/v1/{resource}/{item['id']}").status_code == 404


def test_a_tag_in_use_cannot_be_deleted(client, editor, make_tag, make_article):
    tag = make_tag()
    make_article(tags=[tag.slug])
    assert_problem(client.delete(f"/v1/tags/{tag.id}", headers=editor), 409)


def test_tag_patch_with_a_stale_if_match_is_a_412(client, editor, make_tag):
    tag = make_tag()
    etag = client.get(f"/v1/tags/{tag.id}").headers["ETag"]
    client.patch(f"/v1/tags/{tag.id}", json={"name": "Un"}, headers={**editor, "If-Match": etag})
    response = client.patch(
        f"/v1/tags/{tag.id}", json={"name": "Deux"}, headers={**editor, "If-Match": etag}
    )
    assert_problem(response, 412)


@pytest.mark.parametrize(
    ("path", "field"),
    [("/v1/articles", "title"), ("/v1/tags", "name"), ("/v1/authors", "name")],
)
@pytest.mark.parametrize("blank", [" ", "   ", "\u00a0\t"])
def test_a_blank_title_or_name_is_a_422_and_creates_nothing(client, editor, path, field, blank):
    before = client.get(f"{path}?status=draft" if "articles" in path else path, headers=editor)
    response = client.post(path, json={field: blank}, headers=editor)
    assert_problem(response, 422, field)
    after = client.get(f"{path}?status=draft" if "articles" in path else path, headers=editor)
    assert after.get_json()["meta"]["total"] == before.get_json()["meta"]["total"]
