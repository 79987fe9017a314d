"""The site: what a frontend needs around the articles (name, about, newsletter, URLs)."""

from flask.views import MethodView

from api.db import db
from api.extensions import IF_MATCH_HEADER, Blueprint, check_if_match, one, representation_etag
from api.services import site
from schemas.common import NoQueryArgsSchema
from schemas.site import SiteEnvelopeSchema, SiteSchema, SiteUpdateSchema

blp = Blueprint(
    "site",
    __name__,
    url_prefix="/v1/site",
    description="The site itself: its name, language, logo, about text, newsletter blurb and "
    "the URLs of its feeds and docs, so a headless frontend can build a whole page.",
)


@blp.route("")
class Site(MethodView):
    @blp.optional_auth
    @blp.query(NoQueryArgsSchema)
    @blp.response(200, SiteEnvelopeSchema)
    @blp.errors(400)
    def get(self, _args):
        """Get the site's data

        Everything a page shows around the articles: the site's `name`, `language` and
        `logo_url`, its `about` box (whose text is also its `description`), the `newsletter`
        sign-up blurb with its confirmed subscribers rounded down to the hundred, the label
        of the share links (`share_label`; each article carries its `share` links), and the
        `urls` of the website, the API, its docs, the feeds and the sitemap. Admins edit it;
        until they do, the name, language and logo come from the server's configuration.
        """
        return one(site.site_data(db.session))

    @blp.auth("admin")
    @blp.arguments(
        SiteUpdateSchema(partial=True),
        example={"newsletter": {"heading": "Recevez chaque matin l'actualité de l'IA"}},
    )
    @blp.response(200, SiteEnvelopeSchema)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(412)
    def patch(self, data):
        """Change the site's data

        Admins only. Only the fields sent change, inside `about` and `newsletter` too; null
        clears a text. Texts are plain: markup is refused. Send the `ETag` of
        `GET /v1/site` in `If-Match` to change only what you read: a stale one answers 412
        (the subscriber count is part of it, and moves every hundred sign-ups).
        """
        current = site.site_data(db.session)
        check_if_match(representation_etag(SiteSchema(), current), required=False)
        site.save_site_settings(db.session, data)
        db.session.commit()
        changed = site.site_data(db.session)
        return one(changed), 200, {"ETag": representation_etag(SiteSchema(), changed)}
