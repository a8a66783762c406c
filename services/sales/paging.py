"""One page of a query, in the shared ``{items, total, page, page_size}`` envelope."""

from __future__ import annotations

from sqlalchemy import func, select


def page(session, query, order_by, args) -> dict:
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    items = session.scalars(
        query.order_by(*order_by)
        .limit(args["page_size"])
        .offset((args["page"] - 1) * args["page_size"])
    ).all()
    return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}
