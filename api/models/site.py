"""The site's own settings: one row of texts and identity that admins edit and frontends show."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, TimestampMixin

SITE_SETTINGS_ID = 1  # the one row


class SiteSettings(TimestampMixin, Base):
    """The site's name, language, logo and the texts around the articles (the about box, the
    newsletter blurb, the share label). Absent until seeded or edited: configuration stands in."""

    __tablename__ = "site_settings"
    __table_args__ = (CheckConstraint(f"id = {SITE_SETTINGS_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(35))
    # The about text, also the site's description (feeds, meta descriptions)
    description: Mapped[str | None] = mapped_column(String(2000))
    about_heading: Mapped[str | None] = mapped_column(String(300))
    logo_url: Mapped[str | None] = mapped_column(String(2048))
    newsletter_heading: Mapped[str | None] = mapped_column(String(300))
    newsletter_text: Mapped[str | None] = mapped_column(String(2000))
    newsletter_privacy: Mapped[str | None] = mapped_column(String(1000))
    share_label: Mapped[str | None] = mapped_column(String(100))
    # Bumped by every UPDATE: of two admins saving the same version, the second gets a 412
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}

    def __repr__(self) -> str:
        return f"<SiteSettings {self.name}>"
