"""Articles: the catalogue, listed, filtered and read by id or slug; written by newsroom keys."""

import uuid

from flask import current_app, url_for
from flask.views import MethodView
from flask_smorest import abort

from api.auth import current_principal, require
from api.db import db
from api.extensions import (
    IF_MATCH_HEADER,
    Blueprint,
    MovedPermanently,
    check_if_match,
    cursor_response,
    one,
    page_response,
    path_parameter,
    representation_etag,
)
from api.models import Article
from api.services import content, lifecycle, queries, representations, summaries
from api.services.pagination import keyset_paginate, keyset_seek, paginate
from api.services.visibility import can_edit
from schemas.articles import (
    REPRESENTATION_FIELDS,
    SUMMARY_FIELDS,
    ArticleCreateSchema,
    ArticleEnvelopeSchema,
    ArticleListSchema,
    ArticleQueryArgsSchema,
    ArticleReadArgsSchema,
    ArticleReadEnvelopeSchema,
    ArticleSchema,
    ArticleUpdateSchema,
    RelatedArticlesQueryArgsSchema,
)

blp = Blueprint(
    "articles",
    __name__,
    url_prefix="/v1/articles",
    description="News articles. Only published articles are visible without credentials; "
    "newsroom keys write them.",
)

ARTICLE_ID = path_parameter("article_id", "The article's id (a UUID).")


# The key cursor pages walk in (one tuple: pages built once are found by its identity)
KEYSET = (Article.published_at, Article.id)


@blp.route("")
class Articles(MethodView):
    @blp.optional_auth
    @blp.query(ArticleQueryArgsSchema)
    @blp.response(200, ArticleListSchema)
    @blp.errors(400, 401, 403)
    def get(self, args):
        """List published articles

        Newest first by default. Summaries embed their authors and tags but not the body;
        fetch one article for its body. Filters combine with AND. `q` searches the text:
        the most relevant first, each with a highlighted `snippet`. With an `author` key or
        higher, `status` lists unpublished work instead; editors list deleted articles with
        `deleted=true`. `fields` and `formats` shape each item. Pages are numbered (`page`),
        or, for feeds and sync, walked with a cursor: `cursor=start`, then each page's
        `meta.next_cursor` until it is null.
        """
        page, per_page, cursor = args.pop("page", 1), args.pop("per_page"), args.pop("cursor", None)
        selected = _selected(args.pop("fields", None), args.pop("formats", None), detail=False)
        if args.get("deleted"):
            require("editor")
        elif args.get("status"):
            require("author")
        if cursor is not None:  # keyset order, even with `q`
            args["sort"] = args.get("sort") or [("published_at", True)]
            descending = args["sort"][0][1]
            args["seek"] = keyset_seek(Article.published_at, cursor, descending=descending)
        dialect = db.session.get_bind().dialect.name
        principal, stored = current_principal(), summaries.answers(selected)
        search = None if args.get("q") is None else (dialect, args["q"])
        # The search's text and the slugs, which statements built once bind when they run
        params = queries.listing_params(dialect, **args)
        # From stored summaries, the page's rows hold only what they need
        columns = summaries.COLUMNS if stored else None
        options = () if stored else representations.article_load_options(selected)
        built_once = principal is None
        if built_once:
            stmt = queries.public_listing(dialect=dialect, bylines=False, **args)
        else:
            stmt = queries.list_articles(principal, dialect=dialect, bylines=False, **args)
        if options:
            stmt = stmt.options(*options)
            built_once = False
        if cursor is None:
            listed = paginate(
                db.session,
                stmt,
                page,
                per_page,
                total=queries.listing_total(dialect, **args),
                keys_first=queries.page_keys_first(
                    principal, options, dialect, offset=(page - 1) * per_page, **args
                ),
                columns=columns,
                built_once=built_once,
                params=params,
            )
            return _dumped(page_response(listed), selected, stored=stored, search=search)
        result = keyset_paginate(
            db.session,
            stmt,
            KEYSET,
            cursor,
            per_page,
            descending=descending,
            secret=current_app.config["SECRET_KEY"],
            columns=columns,
            built_once=built_once,
            params=params,
        )
        return _dumped(cursor_response(result), selected, stored=stored, search=search)

    @blp.auth("author")
    @blp.arguments(
        ArticleCreateSchema,
        example={
            "title": "Séoul accueille la seconde édition du AI Safety Summit",
            "subtitle": "AI Seoul Safety Summit",
            "body": "C’est finalement à Séoul, en Corée du Sud, que va se dérouler…\n\n"
            "## Le Sommet de Séoul\n\nOutre la poursuite de l’élaboration…",
            "tags": ["intelligence-artificielle"],
            "authors": ["la-redaction"],
        },
    )
    @blp.response(201, ArticleEnvelopeSchema, headers={"Location": {"schema": {"type": "string"}}})
    @blp.errors(409)
    def post(self, data):
        """Create an article

        The article starts as a draft. Its slug is made from the title unless given; an
        `author` key's article is signed by the key's author profile unless `authors` says.
        """
        principal = current_principal()
        article = content.create_article(db.session, data, principal)
        db.session.commit()
        location = url_for("articles.ArticleById", article_id=article.id)
        return one(_reload(article.id)), 201, {"Location": location, "ETag": _etag(article)}


@blp.route("/<uuid:article_id>", parameters=[ARTICLE_ID])
class ArticleById(MethodView):
    @blp.optional_auth
    @blp.query(ArticleReadArgsSchema)
    @blp.response(200, ArticleReadEnvelopeSchema)
    @blp.errors(400, 404, 410)
    def get(self, args, article_id: uuid.UUID):
        """Get an article by id

        The id is stable forever: partners de-duplicate syndicated items by it. A deleted
        article answers 410. Editorial keys also read unpublished work, with its `ETag`.
        """
        selected = _selected(args.get("fields"), args.get("formats"), detail=True)
        article = readable_article(article_id=article_id, selected=selected)
        return _one_read(article, selected)

    @blp.auth("author")
    @blp.arguments(ArticleUpdateSchema(partial=True), example={"title": "Un nouveau titre"})
    @blp.response(200, ArticleEnvelopeSchema)
    @blp.doc(parameters=[{**IF_MATCH_HEADER, "required": True}])
    @blp.errors(404, 409, 412, 428)
    def patch(self, data, article_id: uuid.UUID):
        """Change an article

        Only the fields sent change. Send the `ETag` you read in `If-Match`: a stale one
        answers 412, so two editors never overwrite each other.
        """
        article = editable_article(article_id)
        check_if_match(_etag(article), required=True)
        content.update_article(db.session, article, data, current_principal().key_id)
        db.session.commit()
        article = _reload(article.id)
        return one(article), 200, {"ETag": _etag(article)}

    @blp.auth("author")
    @blp.response(204)
    @blp.doc(parameters=[{**IF_MATCH_HEADER, "required": True}])
    @blp.errors(404, 409, 412, 428)
    def delete(self, article_id: uuid.UUID):
        """Delete an article

        Soft: public reads answer 410 Gone and an editor can restore it. Authors may delete
        their own drafts.
        """
        article = editable_article(article_id)
        check_if_match(_etag(article), required=True)
        lifecycle.soft_delete(db.session, article, current_principal().key_id)
        db.session.commit()
        return None


@blp.route("/<uuid:article_id>/related", parameters=[ARTICLE_ID])
class RelatedArticles(MethodView):
    @blp.optional_auth
    @blp.query(RelatedArticlesQueryArgsSchema)
    @blp.response(200, ArticleListSchema)
    @blp.errors(400, 404, 410)
    def get(self, args, article_id: uuid.UUID):
        """List articles related to an article

        Published articles sharing at least one tag with it, those sharing the most tags first,
        then the newest (`published_at`, then `id`, descending); the article itself is not
        listed. Paginated like every list: a "read next" box of five asks
        `GET /v1/articles/{article_id}/related?per_page=5`. The article answers 404 or 410
        as `GET /v1/articles/{article_id}` would; the related ones are only ever published
        articles, whatever the key.
        """
        selected = _selected(args.get("fields"), args.get("formats"), detail=False)
        readable_article(article_id=article_id, selected=("id",))
        stmt = queries.related_articles(article_id)
        stmt = stmt.options(*representations.article_load_options(selected))
        total, keys_first = queries.related_page(article_id, stmt)
        page = paginate(
            db.session, stmt, args["page"], args["per_page"], total=total, keys_first=keys_first
        )
        return _dumped(page_response(page), selected)


@blp.route(
    "/slug/<slug:slug>",
    parameters=[
        path_parameter(
            "slug",
            "The article's slug.",
            example="seoul-accueille-la-seconde-edition-du-ai-safety-summit",
        )
    ],
)
class ArticleBySlug(MethodView):
    @blp.optional_auth
    @blp.query(ArticleReadArgsSchema)
    @blp.response(200, ArticleReadEnvelopeSchema)
    @blp.alt_response(301, description="The slug changed: `Location` gives the current one.")
    @blp.errors(400, 404, 410)
    def get(self, args, slug: str):
        """Get an article by slug

        Slugs are ASCII and unique, e.g. `seoul-accueille-la-seconde-edition-du-ai-safety-summit`.
        A former slug answers 301 to the current one.
        """
        selected = _selected(args.get("fields"), args.get("formats"), detail=True)
        article = readable_article(slug=slug, selected=selected)
        return _one_read(article, selected)


def _etag(article: Article) -> str:
    return representation_etag(ArticleSchema(), article)


def _selected(requested, formats, *, detail: bool) -> tuple[str, ...]:
    return representations.article_fields(
        REPRESENTATION_FIELDS, SUMMARY_FIELDS, requested, formats, detail=detail
    )


def _dump(articles: list[Article], selected: tuple[str, ...]) -> list[dict]:
    return summaries.dump(db.session, articles, selected)


def _dumped(
    response: tuple[dict, int, dict],
    selected: tuple[str, ...],
    *,
    stored=False,
    search: tuple[str, str] | None = None,
):
    """A list response with its articles dumped as the sparse fieldset says: from their stored
    summaries when `stored` (they were read as rows of `summaries.COLUMNS`), with their
    snippets when it is a `search` (dialect, q); dumped objects have theirs already."""
    body, status, headers = response
    if stored:
        snippets = None
        if search is not None and "snippet" in selected:
            ids = [row.id for row in body["data"]]
            snippets = queries.snippets_of(db.session, *search, ids)
        body["data"] = summaries.read(db.session, body["data"], selected, snippets)
    else:
        body["data"] = _dump(body["data"], selected)
    return body, status, headers


def _one_read(article: Article, selected: tuple[str, ...]) -> dict:
    """One article as the fieldset says, from its summary and columns when it can be (see
    `summaries.detail`), else dumped (api.caching gives each representation its own ETag,
    so a sparse one never claims the full representation's validator)."""
    item = summaries.detail(article, selected)
    return one(item if item is not None else _dump([article], selected)[0])


def _reload(article_id: uuid.UUID) -> Article:
    return db.session.scalar(
        queries.any_article_by_id(article_id).execution_options(populate_existing=True)
    )


def readable_article(
    *,
    article_id: uuid.UUID | None = None,
    slug: str | None = None,
    selected: tuple[str, ...] | None = None,
    bylines: bool = False,
) -> Article:
    """The article if the caller may read it, loading the columns the `selected` fields show
    (all when None), and its bylines as objects when asked (reads embed `BYLINES_OF` rows
    instead); else 410 if it was deleted after being public, 301 if the slug is a former
    one, 404 otherwise."""
    session, principal = db.session, current_principal()
    options = () if selected is None else representations.article_read_options(selected)
    stmt, params = queries.article_read(
        principal, article_id=article_id, slug=slug, bylines=bylines, load_options=options
    )
    article = session.scalar(stmt, params)
    if article is not None:
        return article
    if session.scalar(queries.gone_article(article_id=article_id, slug=slug)) is not None:
        abort(410, message="This article was withdrawn.")
    if slug is not None:
        target = session.scalar(queries.redirected_id(Article, slug))
        moved = target and session.scalar(queries.article_by_id(target, principal, bylines=False))
        if moved:
            raise MovedPermanently(url_for("articles.ArticleBySlug", slug=moved.slug))
    abort(404, message="No article you may read has this identifier.")


def editable_article(article_id: uuid.UUID) -> Article:
    """The article, if the caller may change it: 404 when they may not even read it."""
    principal = current_principal()
    article = db.session.scalar(queries.any_article_by_id(article_id))
    if article is None:
        abort(404, message="No article has this id.")
    if not can_edit(principal, article):
        readable = db.session.scalar(queries.article_by_id(article_id, principal, bylines=False))
        if readable is None and not principal.is_editor:
            abort(404, message="No article you may read has this id.")
        abort(403, message="Authors change their own drafts only; editors change the rest.")
    return article
