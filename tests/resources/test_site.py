"""GET /v1/site: the data a headless frontend builds the seed page around the article with;
PATCH /v1/site: admins edit it."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from api.models import SiteSettings, Subscriber
from api.services import site as site_service
from api.services.seeding import SeedError, load_seeds
from api.services.site import site_identity
from tests.conftest import SEED_TEXT, SEEDS_DIR, assert_problem

SEED_PAGE_LINES = SEED_TEXT.read_text(encoding="utf-8").splitlines()


def _site(client, **headers) -> dict:
    response = client.get("/v1/site", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def _patch(client, body, headers, etag: str | None = None):
    if etag is None:
        etag = client.get("/v1/site").headers["ETag"]
    return client.patch("/v1/site", json=body, headers={**headers, "If-Match": etag})


# Reading


def test_the_seed_page_texts_come_back_byte_for_byte(client, seeded):
    response = client.get("/v1/site")
    data = response.get_json()["data"]
    texts = [
        data["about"]["heading"],
        data["about"]["text"],
        data["newsletter"]["heading"],
        data["newsletter"]["text"],
        data["newsletter"]["privacy"],
        data["share_label"],
    ]
    for text in texts:
        assert text in SEED_PAGE_LINES  # a whole line of the page, exactly
        assert text.encode("utf-8") in response.get_data()  # UTF-8, not \u-escaped
    assert data["about"] == {
        "heading": "À PROPOS DE NOUS",
        "text": SEED_PAGE_LINES[-1],
    }
    assert data["newsletter"]["heading"] == (
        "Recevez gratuitement l'actualité de l'intelligence artificielle"
    )
    assert data["newsletter"]["text"] == (
        "Suivez la Newsletter de référence sur l'intelligence artificielle (+ de 18 000 "
        "membres), quotidienne et 100% gratuite."
    )
    assert data["newsletter"]["privacy"] == (
        "Tout comme vous, nous n'apprécions pas le spam. Vos coordonnées ne seront transmises "
        "à aucun tiers."
    )
    assert data["share_label"] == "Partager l'article"


def test_the_site_names_itself_and_describes_itself_with_its_about_text(client, seeded):
    data = _site(client)
    assert (data["name"], data["language"]) == ("Newsdesk", "fr")
    assert data["description"] == data["about"]["text"]
    assert data["logo_url"] is None


def test_the_seed_page_can_be_rebuilt_from_the_api(client, seeded):
    """The article, its share links and everything around it, from three reads."""
    site = _site(client)
    article = client.get(f"/v1/articles/slug/{seeded.slug}").get_json()["data"]
    tag = client.get(f"/v1/tags/slug/{article['tags'][0]['slug']}").get_json()["data"]
    shown = [
        article["title"],
        article["subtitle"],
        site["newsletter"]["heading"],
        site["newsletter"]["text"],
        site["newsletter"]["privacy"],
        site["share_label"],
        tag["name"],
        site["about"]["heading"],
        site["about"]["text"],
    ]
    assert [line for line in SEED_PAGE_LINES if line in shown] == shown
    assert set(article["share"]) == {"email", "x", "linkedin", "facebook", "bluesky"}


def test_the_urls_lead_to_the_website_the_api_its_docs_feeds_and_sitemap(client, seeded):
    urls = _site(client)["urls"]
    assert urls["site"] == "https://www.example.org"
    assert urls["api"] == "http://localhost/v1"
    assert urls["feeds"] == {
        "rss": "http://localhost/v1/feeds/articles.rss",
        "atom": "http://localhost/v1/feeds/articles.atom",
        "json": "http://localhost/v1/feeds/articles.json",
    }
    for url in (
        urls["docs"],
        urls["redoc"],
        urls["openapi"],
        urls["sitemap"],
        *urls["feeds"].values(),
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(f"{urls['api']}/articles").status_code == 200


def test_before_any_setting_the_configuration_speaks_for_the_site(client):
    response = client.get("/v1/site")
    data = response.get_json()["data"]
    assert (data["name"], data["language"], data["updated_at"]) == ("Newsdesk", "fr", None)
    assert data["about"] == {"heading": None, "text": None}
    assert response.headers["Last-Modified"] == "Thu, 01 Jan 1970 00:00:00 GMT"


def test_an_unknown_query_parameter_is_a_400(client):
    assert_problem(client.get("/v1/site?colour=red"), 400, "colour")


# Caching


def test_the_site_has_validators_and_answers_304(client, seeded):
    response = client.get("/v1/site")
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert response.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    updated_at = datetime.fromisoformat(response.get_json()["data"]["updated_at"])
    assert modified == updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    again = client.get("/v1/site", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    since = client.get("/v1/site", headers={"If-Modified-Since": modified})
    assert since.status_code == 304


def test_a_keyed_read_is_private(client, seeded, editor):
    response = client.get("/v1/site", headers=editor)
    assert response.headers["Cache-Control"] == "private, no-store"


def test_an_edit_changes_the_etag(client, seeded, admin):
    before = client.get("/v1/site").headers["ETag"]
    changed = _patch(client, {"share_label": "Partager"}, admin)
    assert changed.headers["ETag"] != before
    assert client.get("/v1/site").headers["ETag"] == changed.headers["ETag"]
    assert client.get("/v1/site", headers={"If-None-Match": before}).status_code == 200


# Subscribers


def _subscribe(session, count: int, status: str = "confirmed") -> None:
    if not count:
        return
    now = datetime.now(UTC)
    session.execute(
        insert(Subscriber),
        [
            {
                "email": f"{uuid.uuid4().hex}@example.org",
                "status": status,
                "consent_at": now,
                "source": "test",
            }
            for _ in range(count)
        ],
    )
    session.commit()


@pytest.mark.parametrize(("confirmed", "shown"), [(0, 0), (99, 0), (100, 100), (18_437, 18_400)])
def test_the_subscriber_count_is_rounded_down_to_the_hundred(client, session, confirmed, shown):
    _subscribe(session, confirmed)
    assert _site(client)["newsletter"]["subscriber_count"] == shown


def test_only_confirmed_subscribers_count(client, session):
    _subscribe(session, 150, "pending")
    _subscribe(session, 150, "unsubscribed")
    _subscribe(session, 250)
    assert _site(client)["newsletter"]["subscriber_count"] == 200


# Editing


def test_an_admin_changes_only_the_fields_sent(client, seeded, admin):
    before = _site(client)
    response = _patch(client, {"newsletter": {"text": "Suivez-nous (+ de 18 400 membres)."}}, admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()["data"]
    assert data["newsletter"]["text"] == "Suivez-nous (+ de 18 400 membres)."
    assert data["newsletter"]["heading"] == before["newsletter"]["heading"]
    unchanged = {
        key: value for key, value in data.items() if key not in ("newsletter", "updated_at")
    }
    assert unchanged == {k: v for k, v in before.items() if k not in ("newsletter", "updated_at")}
    assert data["updated_at"] >= before["updated_at"]
    assert _site(client) == data


def test_an_admin_renames_the_site_and_its_identity_follows(client, seeded, admin):
    body = {
        "name": "L’Actu « IA »",
        "language": "fr-CA",
        "about": {"text": "Tout sur l’IA."},
        "logo_url": "https://www.example.org/logo.png",
    }
    assert _patch(client, body, admin).status_code == 200
    identity = site_identity()
    assert (identity.name, identity.language) == ("L’Actu « IA »", "fr-CA")
    assert identity.description == "Tout sur l’IA."
    assert identity.logo_url == "https://www.example.org/logo.png"
    data = _site(client)
    assert data["description"] == data["about"]["text"] == "Tout sur l’IA."
    assert data["about"]["heading"] == "À PROPOS DE NOUS"


def test_feeds_sitemaps_and_structured_data_name_the_site_as_renamed(client, make_article, admin):
    article = make_article(published_at=datetime.now(UTC))
    body = {"name": "L’Actu « IA »", "language": "fr-CA", "logo_url": "https://cdn.example/l.png"}
    assert _patch(client, body, admin).status_code == 200
    feed = client.get("/v1/feeds/articles.json").get_json()
    assert feed["title"] == "L’Actu « IA »"
    atom = client.get("/v1/feeds/articles.atom").get_data(as_text=True)
    assert "<title>L’Actu « IA »</title>" in atom
    rss = client.get("/v1/feeds/articles.rss").get_data(as_text=True)
    assert "<language>fr-CA</language>" in rss and "https://cdn.example/l.png" in rss
    news = client.get("/sitemaps/news.xml").get_data(as_text=True)
    assert "<news:name>L’Actu « IA »</news:name>" in news
    data = client.get(f"/v1/articles/{article.id}/structured-data").get_json()
    publisher = data["data"]["publisher"] if "data" in data else data["publisher"]
    assert publisher["name"] == "L’Actu « IA »"
    assert publisher["logo"]["url"] == "https://cdn.example/l.png"


def test_null_clears_a_text(client, seeded, admin):
    response = _patch(client, {"logo_url": None, "newsletter": {"privacy": None}}, admin)
    assert response.get_json()["data"]["newsletter"]["privacy"] is None


def test_the_first_edit_creates_the_settings_from_the_configuration(client, session, admin):
    response = _patch(client, {"share_label": "Partager"}, admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()["data"]
    assert (data["name"], data["language"], data["share_label"]) == ("Newsdesk", "fr", "Partager")
    assert data["updated_at"] is not None
    assert session.get(SiteSettings, 1).share_label == "Partager"


def test_a_concurrent_first_edit_loses_with_a_412(client, session, admin, monkeypatch):
    etag = client.get("/v1/site").headers["ETag"]
    assert _patch(client, {"name": "Premier"}, admin, etag=etag).status_code == 200
    # The second writer read no settings either: it creates them too, and finds them taken
    unsaved = SiteSettings(id=1, name="Newsdesk", language="fr")
    monkeypatch.setattr(site_service, "site_settings", lambda _session: unsaved)
    assert_problem(_patch(client, {"name": "Second"}, admin, etag=etag), 412)
    monkeypatch.undo()
    assert _site(client)["name"] == "Premier"


def test_without_a_record_the_identity_comes_from_the_configuration(app):
    app.config["SITE_NAME"], app.config["SITE_LOGO_URL"] = "Le Site", "https://e.org/l.png"
    try:
        identity = site_identity()
    finally:
        app.config["SITE_NAME"], app.config["SITE_LOGO_URL"] = "Newsdesk", ""
    assert (identity.name, identity.language, identity.description) == ("Le Site", "fr", None)
    assert identity.logo_url == "https://e.org/l.png"


@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), ("partner", 403), ("author", 403), ("editor", 403)]
)
def test_only_admins_edit_the_site(client, seeded, make_key, role, status):
    headers = make_key(role) if role else {}
    response = _patch(client, {"name": "Pirate"}, headers)
    assert_problem(response, status)
    assert _site(client)["name"] == "Newsdesk"


def test_an_unknown_key_is_refused(client, seeded):
    response = _patch(client, {"name": "Pirate"}, {"Authorization": "Bearer nd_nope"})
    assert_problem(response, 401)


def test_an_edit_without_if_match_is_taken(client, seeded, admin):
    response = client.patch("/v1/site", json={"name": "Sans ETag"}, headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _site(client)["name"] == "Sans ETag"


def test_an_edit_with_a_stale_etag_is_a_412(client, seeded, admin):
    stale = client.get("/v1/site").headers["ETag"]
    assert _patch(client, {"name": "Premier"}, admin, etag=stale).status_code == 200
    assert_problem(_patch(client, {"name": "Second"}, admin, etag=stale), 412)
    assert _site(client)["name"] == "Premier"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "<b>Newsdesk</b>"}, "name"),
        ({"name": "&lt;script&gt;alert(1)&lt;/script&gt;"}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"language": "pas une langue"}, "language"),
        ({"logo_url": "javascript:alert(1)"}, "logo_url"),
        ({"logo_url": "https://www.example.org/a logo.png"}, "logo_url"),
        ({"about": {"text": "Le <em>portail</em>"}}, "about.text"),
        ({"about": {"colour": "red"}}, "about.colour"),
        ({"about": "Le portail"}, "about"),
        ({"newsletter": {"privacy": "<script>alert(1)</script>"}}, "newsletter.privacy"),
        ({"newsletter": {"subscriber_count": 1_000_000}}, "newsletter.subscriber_count"),
        ({"share_label": "<a href=x>Partager</a>"}, "share_label"),
        ({"description": "Tout sur l’IA."}, "description"),
        ({"urls": {"site": "https://evil.example"}}, "urls"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, seeded, admin, body, field):
    assert_problem(_patch(client, body, admin), 422, field)


def test_an_edit_without_a_body_is_a_400(client, seeded, admin):
    assert_problem(client.patch("/v1/site", headers=admin), 400)


def test_a_body_that_is_not_json_is_refused(client, seeded, admin):
    etag = client.get("/v1/site").headers["ETag"]
    response = client.patch(
        "/v1/site", data="name=x", headers={**admin, "If-Match": etag}, content_type="text/plain"
    )
    assert_problem(response, 415)


# Seeding


def test_the_seed_loads_the_site_once(session, seeded):
    settings = session.get(SiteSettings, 1)
    stamp, version = settings.updated_at, settings.version_id
    load_seeds(session, SEEDS_DIR)
    session.commit()
    session.expire_all()
    settings = session.get(SiteSettings, 1)
    assert (settings.updated_at, settings.version_id) == (stamp, version)
    assert settings.about_heading == "À PROPOS DE NOUS"


def test_an_invalid_site_seed_is_refused_naming_the_file_and_field(session, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    site = seeds / "site.yaml"
    site.write_text(
        site.read_text(encoding="utf-8").replace("language: fr", "language: pas une langue"),
        encoding="utf-8",
    )
    with pytest.raises(SeedError, match=r"site\.yaml.*language"):
        load_seeds(session, seeds)
