"""Categories and tax rates, kept from the stock screen: create, rename, deactivate.

Never deleted: products keep an inactive category or rate, which is only no longer offered.
Categories are the products' business (every role); tax rates are store settings (the owner).
A rate's percentage never changes under the products that use it: make a new rate instead.
"""

from __future__ import annotations

from decimal import Decimal

from peewee import fn

from posterm.data.database import write_transaction
from posterm.data.models import ACTIVE, Category, MasterData, TaxRate
from posterm.domain.catalog_records import CategoryInfo, TaxRateInfo
from posterm.domain.errors import NotFound, ValidationError
from posterm.domain.money import parse_money
from posterm.domain.permissions import Actor, Permission
from posterm.services import audit

INACTIVE = "inactive"


def _name(text: str, field: str, longest: int) -> str:
    name = " ".join(text.split())
    if not name:
        raise ValidationError(field, "is required")
    if len(name) > longest:
        raise ValidationError(field, f"at most {longest} characters")
    return name


def list_categories(*, include_inactive: bool = False) -> list[CategoryInfo]:
    query = Category.select().order_by(fn.LOWER(Category.name), Category.id)
    if not include_inactive:
        query = query.where(Category.status == ACTIVE)
    return [CategoryInfo(c.id, c.name, c.status) for c in query]


def _category_name_free(name: str, category_id: int | None) -> None:
    clash = Category.select().where(fn.LOWER(Category.name) == name.lower())
    if category_id is not None:
        clash = clash.where(Category.id != category_id)
    if clash.exists():
        raise ValidationError("name", f"a category named {name} exists already")


def create_category(actor: Actor, name: str) -> CategoryInfo:
    actor.require(Permission.MANAGE_PRODUCTS)
    name = _name(name, "name", 80)
    with write_transaction():
        _category_name_free(name, None)
        row = Category.create(name=name)
        audit.record(
            actor, "category.create", entity="category", entity_id=row.id, details={"name": name}
        )
        return CategoryInfo(row.id, row.name, row.status)


def rename_category(actor: Actor, category_id: int, name: str) -> CategoryInfo:
    actor.require(Permission.MANAGE_PRODUCTS)
    name = _name(name, "name", 80)
    with write_transaction():
        row = Category.get_or_none(Category.id == category_id)
        if row is None:
            raise NotFound(f"No category with id {category_id}.")
        _category_name_free(name, category_id)
        old, row.name = row.name, name
        row.save()
        audit.record(
            actor,
            "category.rename",
            entity="category",
            entity_id=row.id,
            details={"name": [old, name]},
        )
        return CategoryInfo(row.id, row.name, row.status)


def set_category_active(actor: Actor, category_id: int, active: bool) -> CategoryInfo:
    """A deactivated category is no longer offered for products; those in it keep it."""
    actor.require(Permission.MANAGE_PRODUCTS)
    with write_transaction():
        row = _set_status(actor, Category, "category", category_id, active)
        return CategoryInfo(row.id, row.name, row.status)


def list_tax_rates(*, include_inactive: bool = False) -> list[TaxRateInfo]:
    query = TaxRate.select().order_by(TaxRate.rate, TaxRate.name)
    if not include_inactive:
        query = query.where(TaxRate.status == ACTIVE)
    return [TaxRateInfo(t.id, t.name, t.rate, t.status) for t in query]


def _rate_name_free(name: str, rate_id: int | None) -> None:
    clash = TaxRate.select().where(fn.LOWER(TaxRate.name) == name.lower())
    if rate_id is not None:
        clash = clash.where(TaxRate.id != rate_id)
    if clash.exists():
        raise ValidationError("name", f"a tax rate named {name} exists already")


def create_tax_rate(actor: Actor, name: str, rate: str | Decimal) -> TaxRateInfo:
    """A new tax rate (percent). Tax rates are store settings: the owner's to change."""
    actor.require(Permission.MANAGE_SETTINGS)
    name = _name(name, "name", 40)
    percent = parse_money(str(rate), "rate", places=2, maximum=Decimal(100))
    with write_transaction():
        _rate_name_free(name, None)
        row = TaxRate.create(name=name, rate=percent)
        audit.record(
            actor,
            "tax_rate.create",
            entity="tax_rate",
            entity_id=row.id,
            details={"name": name, "rate": str(percent)},
        )
        return TaxRateInfo(row.id, row.name, row.rate, row.status)


def rename_tax_rate(actor: Actor, rate_id: int, name: str) -> TaxRateInfo:
    """Only the name: a rate's percentage never changes under the products that use it."""
    actor.require(Permission.MANAGE_SETTINGS)
    name = _name(name, "name", 40)
    with write_transaction():
        row = TaxRate.get_or_none(TaxRate.id == rate_id)
        if row is None:
            raise NotFound(f"No tax rate with id {rate_id}.")
        _rate_name_free(name, rate_id)
        old, row.name = row.name, name
        row.save()
        audit.record(
            actor,
            "tax_rate.rename",
            entity="tax_rate",
            entity_id=row.id,
            details={"name": [old, name]},
        )
        return TaxRateInfo(row.id, row.name, row.rate, row.status)


def set_tax_rate_active(actor: Actor, rate_id: int, active: bool) -> TaxRateInfo:
    """A deactivated rate is no longer offered for products; those with it keep it."""
    actor.require(Permission.MANAGE_SETTINGS)
    with write_transaction():
        row = _set_status(actor, TaxRate, "tax_rate", rate_id, active)
        return TaxRateInfo(row.id, row.name, row.rate, row.status)


def _set_status(actor: Actor, model: type[MasterData], entity: str, row_id: int, active: bool):
    """Inside the caller's transaction: the row's new status, audited when it changes."""
    row = model.get_or_none(model.id == row_id)
    if row is None:
        raise NotFound(f"No {entity.replace('_', ' ')} with id {row_id}.")
    status = ACTIVE if active else INACTIVE
    if row.status != status:
        old, row.status = row.status, status
        row.save()
        audit.record(
            actor,
            f"{entity}.status",
            entity=entity,
            entity_id=row.id,
            details={"status": [old, status]},
        )
    return row
