"""Full-text search (`q=`): French-aware matching, ranking, snippets, hostile input, filters."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from api.services import queries
from api.services.content import save_article
from tests.conftest import SEED_SLUG, assert_problem, on_postgresql

sqlite_only = pytest.mark.skipif(on_postgresql(), reason="SQLite FTS5 behaviour")
postgresql_only = pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL's tsvector columns")


def _search(client, q: str, **params) -> dict:
    response = client.get("/v1/articles", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _titles(client, q: str, **params) -> list[str]:
    return [article["title"] for article in _search(client, q, **params)["data"]]


@pytest.mark.parametrize("q", ["seoul", "SEOUL", "Séoul", "séOUL", "SÉOUL"])
def test_search_ignores_accents_and_case(client, make_article, q):
    make_article(title="Séoul accueille le sommet")
    make_article(title="Paris accueille le salon")
    assert _titles(client, q) == ["Séoul accueille le sommet"]


def test_an_accented_query_finds_unaccented_text(client, make_article):
    make_article(title="Le vote", body="Les electeurs de Seoul ont vote.")
    assert _titles(client, "électeurs séoul") == ["Le vote"]


def test_search_finds_words_of_the_body_subtitle_and_excerpt(client, make_article):
    make_article(title="Corps", body="Un paragraphe sur la cybersécurité.")
    make_article(title="Chapeau", subtitle="La cryptographie post-quantique")
    make_article(title="Résumé", excerpt="Un mot sur la photosynthèse.")
    assert _titles(client, "cybersecurite") == ["Corps"]
    assert _titles(client, "cryptographie") == ["Chapeau"]
    assert _titles(client, "photosynthese") == ["Résumé"]


def test_search_finds_the_seed_article(client, seeded):
    assert [a["slug"] for a in _search(client, "sommet Séoul")["data"]] == [SEED_SLUG]


def test_every_word_must_match(client, make_article):
    make_article(title="Le sommet de Séoul")
    make_article(title="Le sommet de Paris")
    assert _titles(client, "sommet seoul") == ["Le sommet de Séoul"]


@pytest.mark.postgresql
@pytest.mark.parametrize("q", ["sommets", "Sommet", "SOMMETS"])
def test_french_words_are_stemmed_on_postgresql(client, make_article, q):
    make_article(title="Le sommet de Séoul")
    assert _titles(client, q) == ["Le sommet de Séoul"]


@pytest.mark.postgresql
def test_postgresql_reads_web_search_syntax(client, make_article):
    make_article(title="Le sommet de Séoul")
    make_article(title="Le sommet de Paris")
    assert _titles(client, "sommet -paris") == ["Le sommet de Séoul"]
    assert sorted(_titles(client, "seoul or paris")) == ["Le sommet de Paris", "Le sommet de Séoul"]
    assert _titles(client, '"sommet de Paris"') == ["Le sommet de Paris"]


@sqlite_only
@pytest.mark.parametrize("q", ["somm", "Séo", "SOMMET séou", "som de"])
def test_each_word_matches_as_a_prefix_on_sqlite(client, make_article, q):
    make_article(title="Le sommet de Séoul")
    assert _titles(client, q) == ["Le sommet de Séoul"]


@sqlite_only
@pytest.mark.parametrize("q", ["Sé", "so", "l", "sommet s"])
def test_a_word_of_one_or_two_letters_matches_whole_words_only_on_sqlite(client, make_article, q):
    # As a prefix, such a word reads most of the index (23 s for `a` at 100,000 articles)
    make_article(title="Le sommet de Séoul")
    assert _titles(client, q) == []
    make_article(title=f"Le sommet {q.split()[-1]} à Séoul")
    assert _titles(client, q) == [f"Le sommet {q.split()[-1]} à Séoul"]


def test_fts5_query_quotes_each_word_and_makes_long_ones_prefixes():
    assert queries.fts5_query("l’IA à Séoul") == '"l" "IA" "à" "Séoul"*'
    assert queries.fts5_query('"x"* OR NEAR(') == '"x" "OR" "NEAR"*'


def test_a_title_match_ranks_above_a_body_match(client, make_article):
    make_article(
        title="Dans le corps",
        body="Le nucléaire, encore le nucléaire. " * 30,
        excerpt="Un résumé sans le mot.",  # a derived excerpt would repeat the body
        published_at=datetime(2024, 6, 1, tzinfo=UTC),  # newer: recency does not decide
    )
    make_article(title="Le nucléaire en débat", published_at=datetime(2024, 5, 1, tzinfo=UTC))
    assert _titles(client, "nucleaire") == ["Le nucléaire en débat", "Dans le corps"]


def test_a_subtitle_match_ranks_above_a_body_match(client, make_article):
    make_article(
        title="Dans le corps",
        body="Le nucléaire, encore le nucléaire. " * 30,
        excerpt="Un résumé sans le mot.",  # a derived excerpt would repeat the body
        published_at=datetime(2024, 6, 1, tzinfo=UTC),
    )
    make_article(
        title="Énergie", subtitle="Le nucléaire", published_at=datetime(2024, 5, 1, tzinfo=UTC)
    )
    assert _titles(client, "nucleaire") == ["Énergie", "Dans le corps"]


def test_equal_matches_rank_newest_first(client, make_article):
    make_article(title="Le sommet, jour 1", published_at=datetime(2024, 5, 1, tzinfo=UTC))
    make_article(title="Le sommet, jour 2", published_at=datetime(2024, 5, 2, tzinfo=UTC))
    assert _titles(client, "sommet") == ["Le sommet, jour 2", "Le sommet, jour 1"]


@pytest.mark.parametrize("narrowing", [{}, {"lang": "fr"}, {"per_page": 2, "page": 2}])
def test_a_search_ranks_its_newest_matches_only(
    client, make_article, make_key, monkeypatch, narrowing
):
    """Ranking reads every match it ranks: a search ranks its `SEARCH_WINDOW` newest ones
    (the reader's, the narrowed and the key holder's listings alike); an older one is found by
    narrowing the dates, or walked with a cursor."""
    monkeypatch.setattr(queries, "SEARCH_WINDOW", 3)
    body = "Le nucléaire, encore le nucléaire. " * 5
    make_article(title="Le nucléaire", published_at=datetime(2024, 1, 1, tzinfo=UTC))
    for day in (2, 3, 4):
        make_article(
            title=f"Dépêche du {day} mai",
            subtitle="Sur le nucléaire" if day == 2 else "Une dépêche",
            body=body,
            excerpt="Un résumé.",
            published_at=datetime(2024, 5, day, tzinfo=UTC),
        )
    newest_ranked = ["Dépêche du 2 mai", "Dépêche du 4 mai", "Dépêche du 3 mai"]
    expected = newest_ranked[2:] if narrowing.get("page") == 2 else newest_ranked
    for headers in ({}, make_key("editor")):
        response = client.get(
            "/v1/articles", query_string={"q": "nucleaire", **narrowing}, headers=headers
        )
        listed = response.get_json()
        assert [item["title"] for item in listed["data"]] == expected, listed
        assert listed["meta"]["total"] == 3
    older = {"published_before": "2024-02-01T00:00:00Z"}
    assert _titles(client, "nucleaire", **older) == ["Le nucléaire"]
    walked = _search(client, "nucleaire", cursor="start", per_page=10)
    assert [item["title"] for item in walked["data"]] == [
        "Dépêche du 4 mai",
        "Dépêche du 3 mai",
        "Dépêche du 2 mai",
        "Le nucléaire",
    ]


def test_an_explicit_sort_replaces_relevance(client, make_article):
    make_article(title="B: dans le corps", body="Le nucléaire. " * 10)
    make_article(title="A: le nucléaire")
    make_article(title="C: le nucléaire")
    assert _titles(client, "nucleaire", sort="title") == [
        "A: le nucléaire",
        "B: dans le corps",
        "C: le nucléaire",
    ]


def test_each_hit_has_a_snippet_with_its_words_marked(client, make_article):
    make_article(
        title="Diplomatie",
        body="Les délégations du monde entier se retrouvent cette semaine à Séoul pour "
        "parler de la sûreté des modèles d’intelligence artificielle.",
    )
    [hit] = _search(client, "seoul")["data"]
    assert "<mark>Séoul</mark>" in hit["snippet"]
    assert "délégations" in hit["snippet"] or "modèles" in hit["snippet"]


@pytest.mark.parametrize("q", ["seoul", "Séoul", "SÉOUL"])
def test_a_hit_deep_in_a_long_body_is_the_snippet(client, make_article, q):
    """The snippet is the passage around the hit, far into the body, found as typed or with
    other accents and case."""
    filler = "Les laboratoires publient des rapports chaque trimestre sur leurs travaux. " * 60
    make_article(
        title="Diplomatie",
        body=f"{filler}\n\nLes délégations se retrouvent à Séoul.\n\n{filler}",
    )
    [hit] = _search(client, q)["data"]
    assert "<mark>Séoul</mark>" in hit["snippet"], hit["snippet"]
    assert "délégations" in hit["snippet"], hit["snippet"]


def test_snippets_are_html_safe(client, make_article):
    make_article(
        title="Sécurité",
        body="Les chercheurs ont montré que `<img src=x onerror=alert(1)>` & `<b>` près de "
        "Séoul passaient encore les filtres de nombreux sites.",
    )
    [hit] = _search(client, "seoul")["data"]
    markup = re.findall(r"<[^>]*>", hit["snippet"])
    assert set(markup) <= {"<mark>", "</mark>"}, hit["snippet"]
    assert "&" not in re.sub(r"&(lt|gt|amp);", "", hit["snippet"])
    assert "<mark>Séoul</mark>" in hit["snippet"]


def test_hit_markers_in_the_text_do_not_become_markup(client, make_article):
    make_article(title="Balises", body="Un texte avec \ue000 ou \ue001 près de Séoul.")
    [hit] = _search(client, "seoul")["data"]
    assert set(re.findall(r"<[^>]*>", hit["snippet"])) <= {"<mark>", "</mark>"}


def test_only_search_results_carry_a_snippet(client, make_article):
    article = make_article(title="Le sommet de Séoul")
    assert "snippet" not in client.get("/v1/articles").get_json()["data"][0]
    assert "snippet" not in client.get(f"/v1/articles/{article.id}").get_json()["data"]


def test_search_sees_changes_and_removals(client, session, make_article):
    article = make_article(title="Le sommet de Séoul")
    save_article(session, article, {"title": "La conférence de Paris"})
    session.commit()
    assert _titles(client, "seoul") == []
    assert _titles(client, "paris") == ["La conférence de Paris"]
    save_article(session, article, {"body": "Un mot sur la photosynthèse."})
    session.commit()
    assert _titles(client, "photosynthese") == ["La conférence de Paris"]
    session.delete(article)
    session.commit()
    assert _titles(client, "paris") == []


@postgresql_only
def test_the_ranking_vector_is_the_title_and_excerpt_part_of_the_whole(session, make_article):
    """The tiers read `search_vector_head` (migration 0016), which must be the title's and
    excerpt's part of `search_vector`, positions included, through every write."""
    article = make_article(
        title="Le sommet de Séoul",
        subtitle="« L’IA » en tête",
        excerpt="Un résumé du sommet.",
        body="Le corps parle du sommet. " * 20,
    )
    make_article(title="Sans sous-titre", body="Séoul, encore Séoul.")
    save_article(session, article, {"title": "La conférence de Paris", "excerpt": "Autre."})
    session.commit()
    same = text(
        "SELECT slug, search_vector_head = ts_filter(search_vector, '{a,b}'),"
        " length(search_vector_head) FROM articles"
    )
    rows = session.execute(same).all()
    assert len(rows) >= 2 and all(equal and length > 0 for _slug, equal, length in rows), rows


def test_a_phrase_in_the_title_ranks_above_the_same_phrase_in_the_body(client, make_article):
    make_article(
        title="Dans le corps",
        body="Le sommet de Séoul s’ouvre. " * 5,
        excerpt="Un résumé sans les mots.",
        published_at=datetime(2024, 6, 1, tzinfo=UTC),  # newer: recency does not decide
    )
    make_article(
        title="Séoul, puis le sommet",  # both words, not the phrase: not in the title's tier
        body="Le sommet de Séoul s’ouvre. " * 5,
        excerpt="Un résumé sans les mots.",
        published_at=datetime(2024, 5, 15, tzinfo=UTC),
    )
    make_article(title="Le sommet de Séoul", published_at=datetime(2024, 5, 1, tzinfo=UTC))
    titles = _titles(client, '"sommet de Séoul"')
    assert titles[0] == "Le sommet de Séoul"
    assert set(titles) == {"Le sommet de Séoul", "Dans le corps", "Séoul, puis le sommet"}


HOSTILE_QUERIES = [
    '"',
    "'",
    '"unterminated',
    "AND",
    "OR",
    "NOT",
    "sommet AND",
    "NEAR(sommet seoul)",
    "*",
    "sommet*",
    "^sommet",
    "(",
    ")",
    "(sommet",
    "-",
    "-sommet",
    "--",
    "title:sommet",
    "{title}: sommet",
    "sommet:*",
    "!sommet & seoul | (",
    "<->",
    "\\",
    "%",
    "_",
    ";",
    "' OR 1=1 --",
    "😀 sommet",
    "日本語",
    "\u2028\u2029",
    "e\u0301",
    "\ufeff",
    "sommet " * 28,
    "s" * 200,
    "é" * 200,
    "a " * 100,
]


@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_no_query_text_fails(client, make_article, q):
    make_article(title="Le sommet de Séoul")
    body = _search(client, q)
    assert body["meta"]["total"] == len(body["data"])


@pytest.mark.parametrize("q", ["", "s" * 201, "sommet\x00", "sommet\x1b"])
def test_a_bad_query_text_is_a_400_naming_q(client, q):
    assert_problem(client.get("/v1/articles", query_string={"q": q}), 400, "q")


def test_search_combines_with_the_other_filters(client, make_article, make_tag):
    tag = make_tag()
    make_article(title="Le sommet de Séoul", tags=[tag.slug])
    make_article(title="Le sommet de Paris")
    make_article(title="Le marché de Séoul", tags=[tag.slug])
    assert _titles(client, "sommet", tag=tag.slug) == ["Le sommet de Séoul"]
    assert _titles(client, "sommet", lang="de") == []


def test_search_results_are_paginated(client, make_article):
    for day in range(1, 6):
        make_article(title=f"Sommet, jour {day}", published_at=datetime(2024, 5, day, tzinfo=UTC))
    make_article(title="Autre chose")
    body = _search(client, "sommet", per_page=2, page=3)
    assert body["meta"] == {"page": 3, "per_page": 2, "total": 5, "pages": 3}
    assert [a["title"] for a in body["data"]] == ["Sommet, jour 1"]
    assert "q=sommet" in body["links"]["prev"]


def test_search_lists_only_public_articles(client, make_article):
    make_article(title="Le sommet public")
    make_article(title="Le sommet en brouillon", status="draft")
    make_article(
        title="Le sommet programmé",
        status="scheduled",
        published_at=datetime(2100, 1, 1, tzinfo=UTC),
    )
    assert _titles(client, "sommet") == ["Le sommet public"]


def test_editors_search_unpublished_work(client, make_article, editor):
    make_article(title="Le sommet public")
    make_article(title="Le sommet en brouillon", status="draft")
    response = client.get("/v1/articles?q=sommet&status=draft", headers=editor)
    assert [a["title"] for a in response.get_json()["data"]] == ["Le sommet en brouillon"]


def _statements_for(client, count_statements, url) -> int:
    before = count_statements.count
    assert client.get(url).status_code == 200
    return count_statements.count - before


def test_a_search_page_costs_the_same_statements_whatever_its_size(
    client, make_article, make_author, make_tag, count_statements
):
    author, tag = make_author(), make_tag()
    for _ in range(12):
        make_article(title="Le sommet de Séoul", authors=[author.slug], tags=[tag.slug])
    one = _statements_for(client, count_statements, "/v1/articles?q=sommet&per_page=1")
    twelve = _statements_for(client, count_statements, "/v1/articles?q=sommet&per_page=12")
    assert one == twelve <= 5  # count, page, snippets of the page, authors, tags


@pytest.mark.parametrize("q", ["-1", "-climat", "-a -b", "OR"])
def test_a_search_with_only_excluded_words_answers(client, make_article, q):
    """Nothing to highlight as typed: the snippet is built from the body, never a 500."""
    make_article(title="Le climat", body="Un paragraphe sur le climat et l’IA.")
    response = client.get("/v1/articles", query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert all("snippet" in item for item in response.get_json()["data"])


def test_a_public_search_is_built_once_and_binds_each_text(client, session, make_article):
    """A reader's search statement is built once, whatever the text, and each text is bound
    when it runs: one text never answers for another, in pages, cursor pages and the objects
    a `fields=body` page loads (their snippets included)."""
    dialect = session.get_bind().dialect.name
    listing = queries.public_listing(dialect=dialect, bylines=False, q="sommet")
    assert queries.public_listing(dialect=dialect, bylines=False, q="paris") is listing
    if dialect == "postgresql":  # its snippets' statement too, per number of words
        statement, _ = queries._snippet_params_postgresql("sommet de Séoul", [])
        assert queries._snippet_params_postgresql("salon à Paris", [])[0] is statement
    summit = make_article(title="Le sommet de Séoul", body="Un sommet à Séoul.")
    forum = make_article(title="La conférence de Paris", body="Une conférence à Paris.")
    for q, article, word in (
        ("sommet", summit, "sommet"),
        ("conference", forum, "conférence"),
        ("seoul", summit, "Séoul"),
        ("introuvable", None, None),
    ):
        expected = [] if article is None else [str(article.id)]
        for params in ({}, {"cursor": "start"}, {"fields": "id,snippet,body"}):
            data = _search(client, q, **params)["data"]
            assert [item["id"] for item in data] == expected, (q, params)
            if article is not None and "cursor" not in params:
                assert f"<mark>{word}</mark>" in data[0]["snippet"], (q, data[0]["snippet"])
