"""Articles, one way: the Fortnox article list (prices included) → webCRM's
product catalogue. One module, ``sync``; a package like the other entities so
each entity's code lives in one place."""

from wfsync.sync.articles.sync import KIND, ArticleSync

__all__ = ["KIND", "ArticleSync"]
