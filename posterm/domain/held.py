"""A bill parked with a note ("held"), as the recall list shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True, slots=True)
class HeldBill:
    uuid: UUID  # the bill's id: recall_bill / discard_bill take it
    note: str
    customer_name: str  # "" for a walk-in
    total: Decimal  # total due when it was held (store's tax mode and cash rounding)
    item_count: int  # lines on the bill
    terminal: str  # the till that held it
    username: str  # who held it
    saved_at: datetime  # aware UTC
