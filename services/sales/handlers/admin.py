"""Admin settings kept as data: the per-person limits and the solidarity price grid. A
change applies to the next order."""

from __future__ import annotations

from services.sales.clock import as_utc
from services.sales.domain.commands import PublishPriceGrid, RemoveLimit, SetLimit
from services.sales.domain.errors import LimitNotFound
from services.sales.models import LimitRuleRow, PriceEntry, PriceGrid
from services.sales.repository import SalesUnitOfWork


def set_limit(uow: SalesUnitOfWork, command: SetLimit) -> LimitRuleRow:
    """Create or replace the rule named ``code``."""
    with uow:
        row = uow.limits.row(command.code, for_update=True) or LimitRuleRow(code=command.code)
        for name, value in {"window_days": None, **command.rule}.items():
            setattr(row, name, value)
        row.updated_at, row.updated_by = command.at, command.actor
        uow.limits.put(row)
        uow.commit()
        uow.limits.forget_rules()
        return row


def remove_limit(uow: SalesUnitOfWork, command: RemoveLimit) -> None:
    with uow:
        row = uow.limits.row(command.code)
        if row is None:
            raise LimitNotFound(command.code)
        uow.limits.remove(row)
        uow.commit()
        uow.limits.forget_rules()


def publish_price_grid(uow: SalesUnitOfWork, command: PublishPriceGrid) -> PriceGrid:
    """A new version (the previous ones stay, for the record and for past dates)."""
    with uow:
        grid = PriceGrid(
            version=uow.prices.next_version(),
            valid_from=as_utc(command.valid_from or command.at),
            valid_until=command.valid_until and as_utc(command.valid_until),
            note=command.note,
            created_by=command.actor,
            entries=[PriceEntry(**entry) for entry in command.entries],
        )
        uow.prices.add(grid)
        uow.commit()
        return grid
