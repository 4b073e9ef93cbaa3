"""Importing and exporting products and suppliers on both databases: all or nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from posterm.data.models import (
    AuditEvent,
    Category,
    Product,
    ProductBarcode,
    StockMovement,
    Supplier,
    TaxRate,
)
from posterm.domain.permissions import Role
from posterm.domain.products import search_key
from posterm.services import catalog, csv_files
from tests.conftest import actor_for, doctor_problems

D = Decimal


def written() -> tuple[int, ...]:
    """Row counts of every table an import may write."""
    tables = (Product, ProductBarcode, StockMovement, Category, TaxRate, Supplier, AuditEvent)
    return tuple(table.select().count() for table in tables)


def export() -> bytes:
    out = io.StringIO()
    csv_files.export_products(out)
    return out.getvalue().encode()


def test_a_new_catalogue_with_stock_categories_and_rates(db_url, owner):
    data = (
        "\ufeffcode;name;barcode;barcodes;category;unit;price;cost;tax_rate;hsn;stock;"
        "min_stock;sold_by_weight\n"
        'A1;"Amul Butter; 100g";8901262010017;111|222;Dairy;pcs;56;48.5;12;0405;24;6;no\n'
        "21001;Toor Dal;;;Staples;kg;140;120;5;0713;12.5;5;yes\n"
        "N1;No Stock;;;;pcs;10;;7.5;;;;\n"
    ).encode()
    progress = []

    report = csv_files.import_products(owner, data, progress=lambda d, t: progress.append((d, t)))

    assert report.ok, report.errors
    assert (report.created, report.updated, report.stock_movements) == (3, 0, 2)
    assert (report.categories_created, report.tax_rates_created) == (2, 1)  # Dairy, Staples; 7.5%
    assert progress[-1] == (3, 3)
    butter = Product.get(Product.code == "A1")
    assert butter.search_name == search_key("Amul Butter; 100g", "A1")
    assert (butter.price, butter.cost, butter.stock, butter.min_stock) == (
        D(56),
        D("48.5"),
        D(24),
        D(6),
    )
    assert butter.tax_rate.rate == D(12) and butter.category.name == "Dairy"
    assert catalog.lookup_barcode("222").product.code == "A1"  # an extra barcode scans
    assert [r.name for r in catalog.search_products("butter")] == ["Amul Butter; 100g"]
    dal = Product.get(Product.code == "21001")
    assert dal.sold_by_weight and dal.stock == D("12.5") and dal.unit == "kg"
    assert Product.get(Product.code == "N1").tax_rate.name == "Tax 7.5%"
    opening = StockMovement.get(StockMovement.product == butter.id)
    assert (opening.kind, opening.quantity, opening.user_id) == ("opening", D(24), owner.user_id)
    assert doctor_problems() == []


def test_export_then_import_writes_nothing(db_url, owner, make_product):
    make_product("Tata Salt 1kg", stock="10")
    make_product("Loose Sugar", "44.00", stock="2.250", unit="kg", by_weight=True)
    make_product('Odd, "quoted" name', stock="0", tax="GST 0%")
    ProductBarcode.create(product=Product.get(Product.code == "T0001"), barcode="X-9")
    before = written()

    report = csv_files.import_products(owner, export())

    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert written() == before  # not even an audit event


def test_updates_by_code_then_barcode_and_stock_goes_on_the_ledger(db_url, owner, make_product):
    salt = make_product("Tata Salt 1kg", "28.00", stock="10")
    soap = make_product("Lux Soap", "35.00", stock="5")
    data = (
        "code,barcode,name,price,stock\n"
        f"{salt.code},,Tata Salt 1 kg,30,7\n"
        f"NEWCODE,{soap.barcode},,,5\n"  # found by barcode: gets the new code, keeps the rest
    ).encode()

    report = csv_files.import_products(owner, data)

    assert report.ok, report.errors
    assert (report.created, report.updated, report.stock_movements) == (0, 2, 1)
    salt = Product.get_by_id(salt.id)
    assert (salt.name, salt.price, salt.stock, salt.barcode) == (
        "Tata Salt 1 kg",
        D(30),
        D(7),
        None,
    )
    assert salt.search_name == search_key("Tata Salt 1 kg", salt.code)
    move = StockMovement.select().order_by(StockMovement.id.desc()).get()
    assert (move.kind, move.quantity, move.stock_after, move.reason) == (
        "adjustment",
        D(-3),
        D(7),
        "count_correction",
    )
    soap = Product.get_by_id(soap.id)
    assert (soap.code, soap.name, soap.price, soap.stock) == ("NEWCODE", "Lux Soap", D(35), D(5))
    assert soap.search_name == search_key("Lux Soap", "NEWCODE")
    assert doctor_problems() == []


def test_any_bad_row_means_nothing_is_written(db_url, owner, make_product):
    taken = make_product("Tata Salt 1kg", stock="10")
    pear = make_product("Pear", stock="1")
    before = written()
    data = (
        "code,name,price,barcode,category\n"
        "A1,Apple,10,,Fruit\n"  # fine, but must not be written
        f"{pear.code},Pear,10,{taken.barcode},Fruit\n"  # another product's barcode
        "A3,,10,,\n"  # a new product without a name
        "A4,Plum,ten,,\n"  # a bad number
        "A5,Fig,,,\n"  # a new product without a price
    ).encode()

    report = csv_files.import_products(owner, data)

    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "barcode"),
        (4, "name"),
        (5, "price"),
        (6, "price"),
    ]
    assert f"belongs to {taken.code}" in report.errors[0].reason
    assert report.summary() == "4 problems found: nothing was imported."
    assert written() == before
    assert not Category.select().where(Category.name == "Fruit").exists()


def test_two_rows_for_one_product_and_extra_barcodes_against_the_database(
    db_url, owner, make_product
):
    salt = make_product("Tata Salt 1kg", stock="10")
    other = make_product("Lux Soap", stock="5")
    ProductBarcode.create(product=other, barcode="EXTRA1")
    data = (
        "code,barcode,barcodes\n"
        f"{salt.code},,EXTRA1\n"  # belongs to the soap
        f"ZZ9,{salt.barcode},\n"  # the salt again, by its barcode
    ).encode()

    report = csv_files.import_products(owner, data)

    assert [(e.row, e.column) for e in report.errors] == [(2, "barcodes"), (3, "code")]


def test_dry_run_reports_without_writing(db_url, owner, make_product):
    make_product("Tata Salt 1kg", stock="10")
    before = written()
    report = csv_files.import_products(
        owner, b"code,name,price,stock\nT0001,Salt,1,3\nB1,Bun,5,9\n", dry_run=True
    )
    assert report.ok and report.dry_run
    assert (report.created, report.updated, report.stock_movements) == (1, 1, 2)
    assert "dry run" in report.summary()
    assert written() == before


def test_extra_barcodes_are_replaced_by_the_file(db_url, owner, make_product):
    salt = make_product("Tata Salt 1kg", stock="10")
    ProductBarcode.create(product=salt, barcode="OLD")
    report = csv_files.import_products(owner, f"code,barcodes\n{salt.code},NEW1|NEW2\n".encode())
    assert report.ok and report.updated == 1
    codes = ProductBarcode.select(ProductBarcode.barcode).where(ProductBarcode.product == salt.id)
    assert sorted(c.barcode for c in codes) == ["NEW1", "NEW2"]


def test_staff_may_import_but_not_a_role_without_products(db_url, owner, monkeypatch):
    from posterm.domain import permissions
    from posterm.domain.errors import PermissionDenied

    staff = actor_for("helper", Role.STAFF, by=owner)
    assert csv_files.import_products(staff, b"code,name,price\nA1,Apple,10\n").ok
    matrix = {**permissions.MATRIX[Role.STAFF]}
    matrix[permissions.Permission.MANAGE_PRODUCTS] = permissions.Grant.NO
    monkeypatch.setitem(permissions.MATRIX, Role.STAFF, matrix)
    with pytest.raises(PermissionDenied):
        csv_files.import_products(staff, b"code,name,price\nA2,Pear,10\n")


def test_suppliers_round_trip(db_url, owner):
    data = (
        b"name;contact_name;phone;email;address;tax_id;notes\n"
        b'Jaipur Traders;Mahesh;9829012345;m@jt.in;"Chandpole, Jaipur";08AABFS4100K1ZF;\n'
        b"Marudhar Dairy;;;;;;weekly\n"
    )
    first = csv_files.import_suppliers(owner, data)
    assert first.ok and first.created == 2
    assert Supplier.get(Supplier.name == "Jaipur Traders").address == "Chandpole, Jaipur"

    out = io.StringIO()
    assert csv_files.export_suppliers(out) == 2
    before = written()
    again = csv_files.import_suppliers(owner, out.getvalue().encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert written() == before

    changed = csv_files.import_suppliers(owner, b"name,phone\nmarudhar dairy,0141 222\n")
    assert changed.updated == 1
    dairy = Supplier.get(Supplier.name == "marudhar dairy")
    assert (dairy.phone, dairy.notes) == ("0141 222", "weekly")
    bad = csv_files.import_suppliers(owner, b"name,email\nX,nope\n")
    assert [(e.row, e.column) for e in bad.errors] == [(2, "email")]


def test_pieces_are_whole_unless_sold_by_weight(db_url, owner, make_product):
    salt = make_product("Tata Salt 1kg", stock="10")
    data = f"code,name,price,unit,stock\n{salt.code},,,,2.5\nK1,Rice,50,kg,2.5\nP1,Pen,5,,1.5\n"
    report = csv_files.import_products(owner, data.encode())
    assert [(e.row, e.column) for e in report.errors] == [(2, "stock"), (4, "stock")]
