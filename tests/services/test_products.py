"""Keeping the catalogue on both databases: creating, editing and deactivating products (each
bad field named, nothing written), categories and tax rates, and the stock screen's list:
pages, filters, sorts and search."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from posterm.data.fields import sum_of
from posterm.data.models import (
    AuditEvent,
    Batch,
    Category,
    Product,
    ProductBarcode,
    StockMovement,
    TaxRate,
)
from posterm.domain.barcodes import make_ean13
from posterm.domain.catalog_records import ProductFilter
from posterm.domain.errors import NotFound, PermissionDenied, ValidationError
from posterm.domain.permissions import Role
from posterm.domain.product_input import ProductInvalid
from posterm.domain.products import search_key
from posterm.services import catalog, categories, product_list, products
from tests.conftest import actor_for, doctor_problems

SALT = "8901058000290"
COKE_UPC = "049000028911"


def _form(**changes) -> dict:
    values = {
        "name": "Tata Salt 1kg",
        "code": "salt1",
        "barcodes": SALT,
        "category_id": Category.get(Category.name == "General").id,
        "unit": "pcs",
        "sold_by_weight": "no",
        "price": "28.00",
        "cost": "22.40",
        "tax_rate_id": TaxRate.get(TaxRate.name == "GST 5%").id,
        "hsn_code": "2501",
        "min_stock": "5",
        "reorder_qty": "20",
        "status": "active",
        "track_expiry": "no",
        "opening_stock": "12",
    }
    values.update(changes)
    return values


def _invalid(call) -> dict[str, str]:
    with pytest.raises(ProductInvalid) as caught:
        call()
    return caught.value.errors


# --- creating ------------------------------------------------------------------------------------


def test_a_new_product_is_stored_searchable_with_its_opening_stock_on_the_ledger(owner):
    made = products.create_product(owner, _form(barcodes=f"{SALT} {make_ean13('890000000001')}"))
    row = Product.get_by_id(made.id)
    assert (made.code, made.name, made.price, made.stock) == (
        "SALT1",
        "Tata Salt 1kg",
        Decimal("28.00"),
        Decimal("12"),
    )
    assert made.barcodes == (SALT, make_ean13("890000000001"))
    assert row.search_name == search_key("Tata Salt 1kg", "SALT1")
    movements = list(StockMovement.select().where(StockMovement.product == made.id))
    assert [(m.kind, m.quantity, m.stock_after) for m in movements] == [
        ("opening", Decimal("12"), Decimal("12"))
    ]
    assert doctor_problems() == []
    # The till finds it at once: by either barcode and by a word of its name.
    assert catalog.lookup_barcode(make_ean13("890000000001")).product.id == made.id
    assert [p.id for p in catalog.search_products("salt")] == [made.id]
    event = AuditEvent.select().where(AuditEvent.action == "product.create").get()
    assert event.entity_id == str(made.id) and '"opening_stock": "12.000"' in event.details


def test_no_opening_stock_writes_no_movement(owner):
    made = products.create_product(owner, _form(opening_stock=""))
    assert made.stock == 0
    assert not StockMovement.select().where(StockMovement.product == made.id).exists()


def test_every_bad_field_is_named_and_nothing_is_written(owner):
    errors = _invalid(
        lambda: products.create_product(
            owner,
            _form(
                name="  ",
                code="has space",
                barcodes="8901058000291",  # check digit off by one
                unit="box",
                price="-3",
                cost="abc",
                hsn_code="25x",
                min_stock="1.23456",
                status="gone",
                track_expiry="maybe",
            ),
        )
    )
    assert errors == {
        "name": "is required",
        "code": "letters, digits and . _ / - only, no spaces",
        "barcodes": "8901058000291: check digit is wrong",
        "unit": "one of pcs, kg, g, l, ml, dozen",
        "price": "must not be negative",
        "cost": "not a number",
        "hsn_code": "2 to 8 digits, or empty",
        "min_stock": "at most 3 decimal places",
        "status": "one of active, inactive, discontinued",
        "track_expiry": "yes or no",
    }
    assert Product.select().count() == 0
    assert not AuditEvent.select().where(AuditEvent.action == "product.create").exists()


def test_sold_by_weight_needs_a_weight_unit(owner):
    errors = _invalid(lambda: products.create_product(owner, _form(sold_by_weight="yes")))
    assert errors == {"unit": "a product sold by weight is in kg, g, l or ml"}
    made = products.create_product(owner, _form(sold_by_weight="yes", unit="kg"))
    assert made.sold_by_weight and made.unit == "kg"


def test_codes_and_barcodes_are_unique_across_primary_and_extra_barcodes(owner):
    first = products.create_product(owner, _form(barcodes=f"{SALT} {COKE_UPC}"))
    assert _invalid(lambda: products.create_product(owner, _form(barcodes=""))) == {
        "code": "SALT1 is already the code of Tata Salt 1kg"
    }
    # Taken as an extra barcode, and under the 13-digit spelling of the UPC-A.
    assert _invalid(
        lambda: products.create_product(owner, _form(code="other", barcodes="0" + COKE_UPC))
    ) == {"barcodes": f"0{COKE_UPC} is already a barcode of Tata Salt 1kg"}
    assert _invalid(
        lambda: products.create_product(owner, _form(code="other", barcodes=f"{SALT} x1 x1"))
    ) == {"barcodes": "x1 is given twice"}
    # A clash is named together with the fields that are bad in themselves.
    assert _invalid(lambda: products.create_product(owner, _form(price="x"))) == {
        "code": "SALT1 is already the code of Tata Salt 1kg",
        "barcodes": f"{SALT} is already a barcode of Tata Salt 1kg",
        "price": "not a number",
    }
    # Its own barcodes are no clash when the product itself is edited.
    edited = products.update_product(owner, first.id, {"name": "Tata Salt Iodised 1kg"})
    assert edited.barcodes == (SALT, COKE_UPC)
    assert Product.select().count() == 1


def test_an_inactive_category_or_rate_cannot_be_chosen_for_a_new_product(owner):
    old = categories.create_category(owner, "Old stuff")
    categories.set_category_active(owner, old.id, False)
    errors = _invalid(lambda: products.create_product(owner, _form(category_id=old.id)))
    assert errors == {"category_id": "Old stuff is inactive; choose an active one"}
    assert _invalid(lambda: products.create_product(owner, _form(tax_rate_id=9999))) == {
        "tax_rate_id": "no such entry; choose one from the list"
    }


# --- editing and deactivating --------------------------------------------------------------------


def test_editing_changes_the_fields_given_audits_them_and_keeps_stock(owner):
    made = products.create_product(owner, _form())
    edited = products.update_product(
        owner,
        made.id,
        {"name": "Tata Salt Lite", "price": "30", "barcodes": f"{COKE_UPC},{SALT}"},
    )
    assert (edited.name, edited.price, edited.stock) == ("Tata Salt Lite", Decimal(30), 12)
    assert edited.barcodes == (COKE_UPC, SALT)
    assert Product.get_by_id(made.id).search_name == "tata salt lite salt1"
    assert [p.id for p in catalog.search_products("lite")] == [made.id]
    assert catalog.search_products("iodised") == []
    assert catalog.lookup_barcode(SALT).product.id == made.id  # now an extra barcode
    event = AuditEvent.select().where(AuditEvent.action == "product.update").get()
    assert '"price": ["28.0000", "30.00"]' in event.details
    assert '"cost"' not in event.details  # unchanged fields are not logged


def test_an_edit_without_changes_writes_nothing(owner):
    made = products.create_product(owner, _form())
    products.update_product(owner, made.id, products.form_values(made))
    assert not AuditEvent.select().where(AuditEvent.action == "product.update").exists()


def test_stock_is_not_a_form_field_on_edit(owner):
    made = products.create_product(owner, _form())
    with pytest.raises(ValidationError, match="stock adjustment"):
        products.update_product(owner, made.id, {"opening_stock": "50"})


def test_a_bad_edit_names_the_field_and_leaves_the_product_alone(owner):
    made = products.create_product(owner, _form())
    assert _invalid(lambda: products.update_product(owner, made.id, {"price": "1.234"})) == {
        "price": "at most 2 decimal places"
    }
    assert Product.get_by_id(made.id).price == Decimal(28)


def test_deactivation_is_a_soft_delete_that_history_survives(owner):
    made = products.create_product(owner, _form())
    gone = products.deactivate_product(owner, made.id, "no longer stocked")
    assert gone.status == "inactive"
    assert Product.get_by_id(made.id).deleted_at is None
    assert StockMovement.select().where(StockMovement.product == made.id).count() == 1
    assert catalog.search_products("salt") == []  # the till neither finds nor sells it
    with pytest.raises(Exception, match="inactive: it cannot be sold"):
        catalog.lookup_barcode(SALT)
    back = products.reactivate_product(owner, made.id)
    assert back.status == "active"
    assert catalog.lookup_barcode(SALT).product.id == made.id
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)][-2:]
    assert actions == ["product.deactivate", "product.activate"]
    with pytest.raises(NotFound):
        products.deactivate_product(owner, 9999)


def test_every_role_keeps_products_but_only_the_owner_keeps_tax_rates(owner):
    staff = actor_for("shelf", Role.STAFF)
    made = products.create_product(staff, _form())
    products.update_product(staff, made.id, {"price": "29"})
    categories.create_category(staff, "Snacks")
    with pytest.raises(PermissionDenied):
        categories.create_tax_rate(staff, "VAT 7%", "7")
    manager = actor_for("boss", Role.MANAGER)
    with pytest.raises(PermissionDenied):
        categories.rename_tax_rate(manager, made.tax_rate_id, "GST five")
    rate = categories.create_tax_rate(owner, "VAT 7.5%", "7.5")
    assert rate.rate == Decimal("7.5")


def test_opening_stock_from_the_command_line_is_written_by_the_owner(owner, cli_actor):
    made = products.create_product(cli_actor, _form())
    movement = StockMovement.get(StockMovement.product == made.id)
    assert movement.user_id == owner.user_id and movement.terminal == "till-1"


# --- categories and tax rates --------------------------------------------------------------------


def test_categories_are_created_renamed_and_deactivated(owner):
    snacks = categories.create_category(owner, "  Snacks ")
    assert snacks.name == "Snacks"
    with pytest.raises(ValidationError, match="exists already"):
        categories.create_category(owner, "snacks")
    renamed = categories.rename_category(owner, snacks.id, "Snacks & Sweets")
    assert renamed.name == "Snacks & Sweets"
    categories.set_category_active(owner, snacks.id, False)
    assert [c.name for c in categories.list_categories()] == ["General"]
    names = [c.name for c in categories.list_categories(include_inactive=True)]
    assert names == ["General", "Snacks & Sweets"]
    with pytest.raises(ValidationError, match="name: is required"):
        categories.rename_category(owner, snacks.id, " ")


def test_tax_rates_are_created_renamed_and_deactivated(owner):
    with pytest.raises(ValidationError, match="rate: must be at most"):
        categories.create_tax_rate(owner, "Too much", "150")
    with pytest.raises(ValidationError, match="exists already"):
        categories.create_tax_rate(owner, "gst 5%", "5")
    cess = categories.create_tax_rate(owner, "Cess 1%", "1")
    categories.rename_tax_rate(owner, cess.id, "Cess one")
    categories.set_tax_rate_active(owner, cess.id, False)
    active = [(r.name, r.rate) for r in categories.list_tax_rates()]
    assert active == [(f"GST {n}%", Decimal(n)) for n in (0, 5, 12, 18, 28)]
    assert TaxRate.get_by_id(cess.id).rate == Decimal(1)  # a rate's percentage never changes


# --- the list ------------------------------------------------------------------------------------


@pytest.fixture
def shelf(owner):
    """Twelve products: prices 10..120, stock 12..1, two inactive, one low, one by weight."""
    made = []
    for n in range(1, 13):
        made.append(
            products.create_product(
                owner,
                _form(
                    name=f"Item {n:02d} {'Masala' if n % 3 == 0 else 'Plain'}",
                    code=f"IT{n:02d}",
                    barcodes=make_ean13(f"8900000001{n:02d}"),
                    price=str(n * 10),
                    opening_stock=str(13 - n),
                    min_stock="1",
                ),
            )
        )
    products.deactivate_product(owner, made[3].id)
    products.set_product_status(owner, made[4].id, "discontinued")
    products.update_product(owner, made[5].id, {"sold_by_weight": True, "unit": "kg"})
    return made


def _all_pages(wanted: ProductFilter, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = product_list.list_products(wanted, after=cursor, limit=limit)
        pages.append([row.code for row in page.rows])
        if page.next is None:
            return pages
        cursor = page.next


def test_the_list_comes_a_page_at_a_time_in_name_order(shelf):
    pages = _all_pages(ProductFilter(), limit=4)
    assert pages == [
        ["IT01", "IT02", "IT03", "IT06"],
        ["IT07", "IT08", "IT09", "IT10"],
        ["IT11", "IT12"],
    ]


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("price", False, ["IT01", "IT02", "IT03", "IT06", "IT07", "IT08"]),
        ("price", True, ["IT12", "IT11", "IT10", "IT09", "IT08", "IT07"]),
        ("stock", False, ["IT12", "IT11", "IT10", "IT09", "IT08", "IT07"]),
    ],
)
def test_the_list_sorts_by_price_and_stock(shelf, sort, descending, expected):
    pages = _all_pages(ProductFilter(sort=sort, descending=descending), limit=3)
    assert [code for page in pages for code in page][:6] == expected


def test_equal_sort_values_never_repeat_or_skip_a_product_across_pages(owner, shelf):
    for product in shelf:
        products.update_product(owner, product.id, {"price": "50"})
    pages = _all_pages(ProductFilter(sort="price"), limit=3)
    codes = [code for page in pages for code in page]
    assert codes == [f"IT{n:02d}" for n in range(1, 13) if n not in (4, 5)]


def test_filters_by_status_category_weight_and_low_stock(owner, shelf):
    def codes(**filters) -> list[str]:
        return [r.code for r in product_list.list_products(ProductFilter(**filters), limit=50).rows]

    assert codes(status="inactive") == ["IT04"]
    assert codes(status="discontinued") == ["IT05"]
    assert len(codes(status=None)) == 12
    assert codes(sold_by_weight=True) == ["IT06"]
    assert codes(low_stock=True) == ["IT12"]  # stock 1, minimum 1
    drinks = categories.create_category(owner, "Drinks")
    products.update_product(owner, shelf[8].id, {"category_id": drinks.id})
    assert codes(category_id=drinks.id) == ["IT09"]
    row = product_list.list_products(ProductFilter(category_id=drinks.id)).rows[0]
    assert (row.category, row.low, row.stock) == ("Drinks", False, Decimal(4))


def test_expiring_means_a_batch_with_stock_left_expires_within_the_days(shelf):
    today = date(2026, 12, 1)
    for product, days, left in ((shelf[0], 5, "3"), (shelf[1], 40, "2"), (shelf[2], 2, "0")):
        Batch.create(
            product=product.id,
            expiry_date=today + timedelta(days=days),
            unit_cost=Decimal(1),
            quantity_received=Decimal(3),
            quantity_remaining=Decimal(left),
        )
    page = product_list.list_products(ProductFilter(expiring_days=30), today=today)
    assert [r.code for r in page.rows] == ["IT01"]
    page = product_list.list_products(ProductFilter(expiring_days=60), today=today)
    assert [r.code for r in page.rows] == ["IT01", "IT02"]


def test_search_by_word_code_and_barcode_with_filters(shelf):
    def codes(text: str, **filters) -> list[str]:
        wanted = ProductFilter(text=text, **filters)
        return [r.code for r in product_list.list_products(wanted, limit=50).rows]

    assert codes("masala") == ["IT03", "IT06", "IT09", "IT12"]
    assert codes("masala", sold_by_weight=False) == ["IT03", "IT09", "IT12"]
    assert codes("masala", sold_by_weight=True) == ["IT06"]
    assert codes("it07") == ["IT07"]
    assert codes(make_ean13("890000000110")) == ["IT10"]
    assert codes("item 0") == ["IT01", "IT02", "IT03", "IT06", "IT07", "IT08", "IT09"]
    # Inactive products are found by their words, code or barcode; every status by the start.
    assert codes("it04", status="inactive") == ["IT04"]
    assert codes("plain", status="inactive") == ["IT04"]  # a later word, as at the till
    assert codes("masala", status="inactive") == []
    assert codes("item", status=None)[:5] == ["IT01", "IT02", "IT03", "IT04", "IT05"]
    assert codes("nothing like this") == []


def test_search_results_come_a_page_at_a_time(shelf):
    pages = _all_pages(ProductFilter(text="item"), limit=4)
    assert [code for page in pages for code in page] == [
        f"IT{n:02d}" for n in range(1, 13) if n not in (4, 5)
    ]
    assert all(len(page) <= 4 for page in pages)


def test_list_arguments_are_checked(owner):
    with pytest.raises(ValidationError, match="limit"):
        product_list.list_products(limit=0)
    with pytest.raises(ValidationError, match="sort"):
        product_list.list_products(ProductFilter(sort="colour"))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="expiring"):
        product_list.list_products(ProductFilter(expiring_days=-1))


def test_stock_is_the_sum_of_movements_after_creates_and_edits(owner, shelf):
    total = StockMovement.select(sum_of(StockMovement.quantity)).scalar()
    assert total == Product.select(sum_of(Product.stock)).scalar() == Decimal(78)
    assert ProductBarcode.select().count() == 0
    assert doctor_problems() == []
