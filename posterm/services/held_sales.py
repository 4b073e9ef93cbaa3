"""The open bill of each till, saved as it changes, and bills parked with a note ("held").

A crash, a killed SSH session or a power cut loses nothing: the till's open bill is read back
at the next login. A `held_sale` row is either the open bill of one till (status "open", one
per till) or a parked bill any till may recall (status "held"). Checkout deletes the row of
the bill it completes in its own transaction.

Saves arrive from a background worker and may land late, after the bill was held, recalled
by another till or paid. A late save never undoes any of those: it only ever changes the
row of an open bill on its own till, or creates one for a bill no till has and nobody paid.
"""

from __future__ import annotations

import json
from decimal import Decimal
from uuid import UUID

from peewee import JOIN, IntegrityError

from posterm.data.database import for_update, write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import Customer, HeldSale, Sale, User
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.held import HeldBill
from posterm.domain.open_bill import OpenBill
from posterm.domain.permissions import Actor, Permission
from posterm.services import audit
from posterm.services.settings import load_settings

OPEN, HELD = "open", "held"
MAX_NOTE = 120
MAX_LISTED = 200


def _total(bill: OpenBill) -> Decimal:
    settings = load_settings()
    return bill.totals(settings.prices_include_tax, settings.cash_rounding).total_due


def _check_actor(actor: Actor) -> None:
    actor.require(Permission.SELL)
    if actor.user_id is None:
        raise ValidationError("user", "log in as a user of the till to keep bills")
    if not actor.terminal:
        raise ValidationError("terminal", "this till has no name")


def _this_till_open(actor: Actor):
    return (HeldSale.terminal == actor.terminal) & (HeldSale.status == OPEN)


def save_open_bill(actor: Actor, bill: OpenBill) -> None:
    """Stores the till's bill as it is now (call it after every change).

    An empty bill removes the till's open row instead. The common case, a bill already saved,
    is one UPDATE in one write transaction. A late save of a bill that has since been held,
    taken by another till or paid changes nothing.
    """
    _check_actor(actor)
    mine = _this_till_open(actor)
    if bill.is_empty:
        with write_transaction():
            HeldSale.delete().where(mine).execute()
        return
    values = {
        HeldSale.user: actor.user_id,
        HeldSale.customer: bill.customer_id,
        HeldSale.cart: bill.to_json(),
        HeldSale.total: _total(bill),
        HeldSale.updated_at: utc_now(),
    }
    try:
        with write_transaction():
            if HeldSale.update(values).where(mine & (HeldSale.uuid == bill.id)).execute():
                return
            if HeldSale.select(HeldSale.id).where(HeldSale.uuid == bill.id).exists():
                return  # held meanwhile, or open on another till: theirs now
            if Sale.select(Sale.id).where(Sale.uuid == bill.id).exists():
                return  # paid meanwhile: it must not come back
            # One open bill per till: an older one (a bill cleared since) goes.
            HeldSale.delete().where(mine).execute()
            HeldSale.insert(
                {
                    **values,
                    HeldSale.uuid: bill.id,
                    HeldSale.terminal: actor.terminal,
                    HeldSale.status: OPEN,
                    HeldSale.note: "",
                }
            ).execute()
    except IntegrityError:
        # PostgreSQL: another transaction inserted this bill first (a hold racing the
        # first save); that row is the newer truth.
        return


def restore_open_bill(terminal: str) -> OpenBill | None:
    """The open bill of `terminal` (the newest, should there be more), or None."""
    row = (
        HeldSale.select(HeldSale.id, HeldSale.uuid, HeldSale.cart)
        .where((HeldSale.terminal == terminal) & (HeldSale.status == OPEN))
        .order_by(HeldSale.updated_at.desc(), HeldSale.id.desc())
        .first()
    )
    if row is None:
        return None
    if Sale.select(Sale.id).where(Sale.uuid == row.uuid).exists():
        # Paid, and a save raced the checkout: ringing it up again would only find the sale.
        with write_transaction():
            HeldSale.delete().where(HeldSale.id == row.id).execute()
        return restore_open_bill(terminal)
    return OpenBill.from_json(row.cart)


def hold_bill(actor: Actor, bill: OpenBill, note: str) -> None:
    """Parks the bill with a note; the till then starts a new bill. Holding it again (say,
    to change the note) updates it."""
    _check_actor(actor)
    if bill.is_empty:
        raise Conflict("An empty bill cannot be held: scan something first.")
    note = " ".join(note.split())[:MAX_NOTE]
    values = {
        HeldSale.terminal: actor.terminal,
        HeldSale.user: actor.user_id,
        HeldSale.status: HELD,
        HeldSale.note: note,
        HeldSale.customer: bill.customer_id,
        HeldSale.cart: bill.to_json(),
        HeldSale.total: _total(bill),
        HeldSale.updated_at: utc_now(),
    }
    for attempt in range(2):
        try:
            with write_transaction():
                if Sale.select(Sale.id).where(Sale.uuid == bill.id).exists():
                    raise Conflict("This bill is already paid.")
                row = for_update(
                    HeldSale.select(HeldSale.id, HeldSale.status, HeldSale.terminal).where(
                        HeldSale.uuid == bill.id
                    )
                ).first()
                if row is None:
                    HeldSale.insert({**values, HeldSale.uuid: bill.id}).execute()
                    return
                if row.status == OPEN and row.terminal != actor.terminal:
                    raise Conflict(f"This bill is open on till {row.terminal}.")
                HeldSale.update(values).where(HeldSale.id == row.id).execute()
                return
        except IntegrityError:
            if attempt:  # a first save of this bill inserted it just now: update it instead
                raise


def list_held(search: str = "") -> list[HeldBill]:
    """Held bills of every till, newest first; `search` matches the note or the customer."""
    query = (
        HeldSale.select(HeldSale, User.username, Customer.name)
        .join(User, on=(HeldSale.user == User.id))
        .switch(HeldSale)
        .join(Customer, JOIN.LEFT_OUTER, on=(HeldSale.customer == Customer.id))
        .where(HeldSale.status == HELD)
        .order_by(HeldSale.updated_at.desc(), HeldSale.id.desc())
        .limit(MAX_LISTED)
    )
    text = " ".join(search.split())
    if text:
        query = query.where(HeldSale.note.contains(text) | Customer.name.contains(text))
    held = []
    for row in query:
        cart = json.loads(row.cart)
        customer = row.customer.name if row.customer_id is not None else ""
        held.append(
            HeldBill(
                uuid=row.uuid if isinstance(row.uuid, UUID) else UUID(str(row.uuid)),
                note=row.note,
                customer_name=customer or cart.get("customer_name", ""),
                total=row.total,
                item_count=len(cart.get("items", ())),
                terminal=row.terminal,
                username=row.user.username,
                saved_at=row.updated_at,
            )
        )
    return held


def recall_bill(actor: Actor, held_id: UUID) -> OpenBill:
    """Makes a held bill the open bill of this till and returns it.

    Call it when the till's own bill is empty. Should this till still have another open bill
    saved, that one is held (noted "set aside"), never dropped. Refuses a bill open on another
    till (Conflict); a bill already paid or discarded is NotFound.
    """
    _check_actor(actor)
    with write_transaction():
        row = for_update(HeldSale.select().where(HeldSale.uuid == held_id)).first()
        if row is None:
            raise NotFound("That bill is gone: paid or discarded at another till.")
        if row.status == OPEN and row.terminal != actor.terminal:
            raise Conflict(f"That bill is open on till {row.terminal}.")
        now = utc_now()
        HeldSale.update(
            {
                HeldSale.status: HELD,
                HeldSale.note: f"set aside on till {actor.terminal}"[:MAX_NOTE],
                HeldSale.updated_at: now,
            }
        ).where(_this_till_open(actor) & (HeldSale.id != row.id)).execute()
        HeldSale.update(
            {
                HeldSale.status: OPEN,
                HeldSale.terminal: actor.terminal,
                HeldSale.user: actor.user_id,
                HeldSale.updated_at: now,
            }
        ).where(HeldSale.id == row.id).execute()
        return OpenBill.from_json(row.cart)


def discard_bill(actor: Actor, held_id: UUID) -> None:
    """Throws a held bill away (recorded in the audit log). A bill already gone is fine;
    a bill open on another till is refused (Conflict)."""
    _check_actor(actor)
    with write_transaction():
        row = for_update(HeldSale.select().where(HeldSale.uuid == held_id)).first()
        if row is None:
            return
        if row.status == OPEN and row.terminal != actor.terminal:
            raise Conflict(f"That bill is open on till {row.terminal}.")
        cart = json.loads(row.cart)
        HeldSale.delete().where(HeldSale.id == row.id).execute()
        audit.record(
            actor,
            "held.discard",
            entity="held_sale",
            entity_id=str(held_id),
            details={
                "note": row.note,
                "status": row.status,
                "terminal": row.terminal,
                "lines": len(cart.get("items", ())),
                "total": str(row.total),
            },
        )
