"""Page arguments and page envelopes shared by every list endpoint."""

from __future__ import annotations

from functools import cache
from typing import Any

from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PAGE_SIZE = 100


class PageArgs(Schema):
    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


@cache
def page_of(item_schema: type[Schema]) -> type[Schema]:
    """A schema ``{items, total, page, page_size}`` around ``item_schema`` (one per item type)."""
    return type(
        item_schema.__name__.removesuffix("Out") + "Page",
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
        },
    )


def paginate(session: Session, query: Select, args: dict[str, Any]) -> dict[str, Any]:
    """One page of ``query`` (already ordered) in the envelope of :func:`page_of`."""
    size, number = args["page_size"], args["page"]
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.limit(size).offset((number - 1) * size)).all()
    return {"items": items, "total": total, "page": number, "page_size": size}
