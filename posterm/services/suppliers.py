"""The supplier book: create, edit, deactivate (a soft delete: history keeps pointing at them),
search page by page. Every change is audited; what we owe each one is their ledger's business
(posterm.services.purchasing).
"""

from __future__ import annotations

from peewee import IntegrityError, fn

from posterm.data.database import write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import ACTIVE, Supplier
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.permissions import Actor, Permission
from posterm.domain.purchases import FieldErrors, SupplierInfo, SupplierInput
from posterm.services import audit

INACTIVE = "inactive"
MAX_PAGE = 200


def info(row: Supplier) -> SupplierInfo:
    return SupplierInfo(
        id=row.id,
        name=row.name,
        contact_name=row.contact_name,
        phone=row.phone,
        email=row.email,
        address=row.address,
        tax_id=row.tax_id,
        notes=row.notes,
        status=row.status,
        balance=row.balance,
    )


def _check_name_free(name: str, supplier_id: int | None = None) -> None:
    query = Supplier.select(Supplier.id).where(fn.LOWER(Supplier.name) == name.lower())
    if supplier_id is not None:
        query = query.where(Supplier.id != supplier_id)
    if query.exists():
        raise FieldErrors({"name": "another supplier already has this name"})


def _values(data: SupplierInput) -> dict:
    return {
        "name": data.name,
        "contact_name": data.contact_name,
        "phone": data.phone,
        "email": data.email,
        "address": data.address,
        "tax_id": data.tax_id,
        "notes": data.notes,
    }


def create_supplier(actor: Actor, data: SupplierInput) -> SupplierInfo:
    """A new active supplier owing nothing; FieldErrors names every bad field."""
    actor.require(Permission.MANAGE_PRODUCTS)
    data = data.cleaned()
    try:
        with write_transaction():
            _check_name_free(data.name)
            row = Supplier.create(**_values(data))
            audit.record(
                actor, "supplier.create", entity="supplier", entity_id=row.id, details=_values(data)
            )
    except IntegrityError:  # the same name created by another till just now
        raise FieldErrors({"name": "another supplier already has this name"}) from None
    return info(row)


def update_supplier(actor: Actor, supplier_id: int, data: SupplierInput) -> SupplierInfo:
    """Changes a supplier's details (not their balance, which only the ledger moves)."""
    actor.require(Permission.MANAGE_PRODUCTS)
    data = data.cleaned()
    try:
        with write_transaction():
            row = _get(supplier_id)
            _check_name_free(data.name, supplier_id)
            old = _values(data_of(row))
            new = _values(data)
            changed = {key: [old[key], value] for key, value in new.items() if old[key] != value}
            if not changed:
                return info(row)
            Supplier.update(**new, updated_at=utc_now()).where(Supplier.id == row.id).execute()
            audit.record(
                actor, "supplier.update", entity="supplier", entity_id=row.id, details=changed
            )
            return info(_get(supplier_id))
    except IntegrityError:
        raise FieldErrors({"name": "another supplier already has this name"}) from None


def data_of(row: Supplier) -> SupplierInput:
    return SupplierInput(
        row.name, row.contact_name, row.phone, row.email, row.address, row.tax_id, row.notes
    )


def set_supplier_active(actor: Actor, supplier_id: int, active: bool) -> SupplierInfo:
    """Deactivates a supplier (no new purchases; ledger and payments stay) or brings one back."""
    actor.require(Permission.MANAGE_PRODUCTS)
    status = ACTIVE if active else INACTIVE
    with write_transaction():
        row = _get(supplier_id)
        if row.status == status:
            return info(row)
        Supplier.update(status=status, updated_at=utc_now()).where(Supplier.id == row.id).execute()
        audit.record(
            actor,
            "supplier.activate" if active else "supplier.deactivate",
            entity="supplier",
            entity_id=row.id,
            details={"name": row.name, "balance": str(row.balance)},
        )
        return info(_get(supplier_id))


def _get(supplier_id: int) -> Supplier:
    row = Supplier.get_or_none((Supplier.id == supplier_id) & Supplier.deleted_at.is_null())
    if row is None:
        raise NotFound(f"No supplier with id {supplier_id}.")
    return row


def get_supplier(supplier_id: int) -> SupplierInfo:
    return info(_get(supplier_id))


def active_supplier(supplier_id: int) -> Supplier:
    """The supplier row, refusing an inactive one (for a new purchase)."""
    row = _get(supplier_id)
    if row.status != ACTIVE:
        raise Conflict(f"Supplier '{row.name}' is {row.status}: reactivate them first.")
    return row


def search_suppliers(
    text: str = "", *, limit: int = 50, offset: int = 0, include_inactive: bool = False
) -> list[SupplierInfo]:
    """Suppliers by name (any part), contact, phone or tax id, by name; a page at a time."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise ValidationError("offset", "must not be negative")
    query = Supplier.select().where(Supplier.deleted_at.is_null())
    if not include_inactive:
        query = query.where(Supplier.status == ACTIVE)
    typed = " ".join(text.split())[:60].lower()
    if typed:
        digits = "".join(ch for ch in typed if ch.isdigit())
        condition = (
            fn.LOWER(Supplier.name).contains(typed)
            | fn.LOWER(Supplier.contact_name).contains(typed)
            | fn.LOWER(Supplier.tax_id).contains(typed)
        )
        if len(digits) >= 3:
            condition |= Supplier.phone.contains(digits)
        query = query.where(condition)
    query = query.order_by(fn.LOWER(Supplier.name), Supplier.id).limit(limit).offset(offset)
    return [info(row) for row in query]
