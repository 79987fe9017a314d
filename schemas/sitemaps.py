"""Sitemap examples: the index, a page of articles, tags or authors, and Google News."""

from schemas.feeds import SEED_TITLE, SEED_URL

INDEX_EXAMPLE = """<?xml version='1.0' encoding='utf-8'?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://api.example.org/sitemaps/articles-1.xml</loc><lastmod>2024-05-21T08:00:00Z</lastmod></sitemap>
<sitemap><loc>https://api.example.org/sitemaps/tags.xml</loc><lastmod>2024-05-21T08:00:00Z</lastmod></sitemap>
<sitemap><loc>https://api.example.org/sitemaps/authors.xml</loc><lastmod>2024-05-21T08:00:00Z</lastmod></sitemap>
<sitemap><loc>https://api.example.org/sitemaps/news.xml</loc><lastmod>2024-05-21T08:00:00Z</lastmod></sitemap>
</sitemapindex>
"""  # noqa: E501 - a document, verbatim

ARTICLES_EXAMPLE = f"""<?xml version='1.0' encoding='utf-8'?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{SEED_URL}</loc><lastmod>2024-05-21T08:00:00Z</lastmod></url>
</urlset>
"""

TAGS_EXAMPLE = """<?xml version='1.0' encoding='utf-8'?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://www.example.org/tags/intelligence-artificielle</loc><lastmod>2024-05-21T08:00:00Z</lastmod></url>
</urlset>
"""  # noqa: E501 - a document, verbatim

AUTHORS_EXAMPLE = """<?xml version='1.0' encoding='utf-8'?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://www.example.org/authors/la-redaction</loc><lastmod>2024-05-21T08:00:00Z</lastmod></url>
</urlset>
"""  # noqa: E501 - a document, verbatim

NEWS_EXAMPLE = f"""<?xml version='1.0' encoding='utf-8'?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{SEED_URL}</loc><news:news><news:publication><news:name>Newsdesk</news:name><news:language>fr</news:language></news:publication><news:publication_date>2024-05-21T08:00:00Z</news:publication_date><news:title>{SEED_TITLE}</news:title></news:news></url>
</urlset>
"""  # noqa: E501 - a document, verbatim
