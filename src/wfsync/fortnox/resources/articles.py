"""``/3/articles`` (reference §5).

Lists carry ``ArticleNumber``, ``Description``, ``Unit``, ``VAT``,
``PurchasePrice``, ``SalesPrice``, stock figures (as strings), ``EAN`` and
``WebshopArticle`` — not ``Active`` (use ``filter=active|inactive``), ``Type``
or ``Note``. ``SalesPrice`` is read-only: write prices via
:class:`~wfsync.fortnox.resources.prices.Prices`.
"""

from __future__ import annotations

from wfsync.fortnox.models import ArticleListItem, FortnoxArticle
from wfsync.fortnox.resources._base import RecordResource

__all__ = ["Articles"]


class Articles(RecordResource[ArticleListItem, FortnoxArticle]):
    path = "articles"
    root = "Article"
    collection = "Articles"
    item_model = ArticleListItem
    record_model = FortnoxArticle
