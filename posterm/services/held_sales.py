"""The open bill of each till, saved as it changes, and bills parked with a note.

A crash, a killed SSH session or a power cut loses nothing: the till's open bill is read back
at the next login. Checkout deletes the row of the bill it completes in its own transaction.
"""

from __future__ import annotations

from uuid import UUID

from posterm.data.database import for_update, write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import HeldSale, User
from posterm.domain.errors import Conflict, NotFound
from posterm.domain.open_bill import OpenBill
from posterm.domain.permissions import Actor, Permission
from posterm.domain.products import HeldBill
from posterm.services.settings import load_settings

OPEN, HELD = "open", "held"


def _total(bill: OpenBill):
    settings = load_settings()
    return bill.totals(settings.prices_include_tax, settings.cash_rounding).total_due


def save_open_bill(actor: Actor, bill: OpenBill) -> None:
    """Stores the till's bill as it is now; an empty bill removes the till's open row."""
    with write_transaction():
        if bill.is_empty:
            HeldSale.delete().where(
                (HeldSale.terminal == actor.terminal) & (HeldSale.status == OPEN)
            ).execute()
            return
        values = {
            "terminal": actor.terminal,
            "user": actor.user_id,
            "status": OPEN,
            "customer": bill.customer_id,
            "cart": bill.to_json(),
            "total": _total(bill),
            "updated_at": utc_now(),
        }
        updated = HeldSale.update(values).where(HeldSale.uuid == bill.id).execute()
        if not updated:
            HeldSale.create(uuid=bill.id, note="", **values)
        # One open bill per till: an older one (from before a clear) is gone.
        HeldSale.delete().where(
            (HeldSale.terminal == actor.terminal)
            & (HeldSale.status == OPEN)
            & (HeldSale.uuid != bill.id)
        ).execute()


def restore_open_bill(terminal: str) -> OpenBill | None:
    row = (
        HeldSale.select()
        .where((HeldSale.terminal == terminal) & (HeldSale.status == OPEN))
        .order_by(HeldSale.updated_at.desc())
        .first()
    )
    return OpenBill.from_json(row.cart) if row is not None else None


def hold_bill(actor: Actor, bill: OpenBill, note: str) -> None:
    actor.require(Permission.SELL)
    if bill.is_empty:
        raise Conflict("An empty bill cannot be held.")
    with write_transaction():
        values = {
            "terminal": actor.terminal,
            "user": actor.user_id,
            "status": HELD,
            "note": note.strip()[:120],
            "customer": bill.customer_id,
            "cart": bill.to_json(),
            "total": _total(bill),
            "updated_at": utc_now(),
        }
        if not HeldSale.update(values).where(HeldSale.uuid == bill.id).execute():
            HeldSale.create(uuid=bill.id, **values)


def list_held(search: str = "") -> list[HeldBill]:
    query = (
        HeldSale.select(HeldSale, User.username)
        .join(User)
        .where(HeldSale.status == HELD)
        .order_by(HeldSale.updated_at.desc())
    )
    text = search.strip().lower()
    found = []
    for row in query.limit(200):
        bill = OpenBill.from_json(row.cart)
        if text and text not in f"{row.note} {bill.customer_name}".lower():
            continue
        found.append(
            HeldBill(
                uuid=row.uuid if isinstance(row.uuid, UUID) else UUID(str(row.uuid)),
                note=row.note,
                customer_name=bill.customer_name,
                total=row.total,
                item_count=len(bill.items),
                terminal=row.terminal,
                username=row.user.username,
                saved_at=row.updated_at,
            )
        )
    return found


def recall_bill(actor: Actor, held_id: UUID) -> OpenBill:
    """Brings a held bill back onto this till as its open bill."""
    actor.require(Permission.SELL)
    with write_transaction():
        row = for_update(HeldSale.select().where(HeldSale.uuid == held_id)).first()
        if row is None:
            raise NotFound("That held bill is gone (paid or discarded at another till?).")
        if row.status == OPEN:
            raise Conflict(f"That bill is open on till {row.terminal}.")
        HeldSale.delete().where(
            (HeldSale.terminal == actor.terminal) & (HeldSale.status == OPEN)
        ).execute()
        HeldSale.update(
            status=OPEN, terminal=actor.terminal, user=actor.user_id, updated_at=utc_now()
        ).where(HeldSale.id == row.id).execute()
        return OpenBill.from_json(row.cart)


def discard_bill(actor: Actor, held_id: UUID) -> None:
    actor.require(Permission.SELL)
    with write_transaction():
        HeldSale.delete().where(HeldSale.uuid == held_id).execute()
