"""Finding products at the till, on both databases: barcodes, labels, search pages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from posterm.data.models import ProductBarcode
from posterm.domain.barcodes import make_ean13
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.services import catalog
from posterm.services.settings import set_setting


@pytest.fixture
def products(make_product):
    atta = make_product("Annapurna Atta 5kg", "285.00")
    atta.barcode = make_ean13("890100000001")
    atta.save()
    cola = make_product("Cola 600ml", "40.00")
    cola.barcode = "036000291452"  # a UPC-A
    cola.save()
    dal = make_product("Toor Dal (Loose)", "155.00", unit="kg", by_weight=True)
    dal.code = "2100007"
    dal.save()
    make_product("Old Soap", "10.00", status="inactive")
    return atta, cola, dal


def test_ean13_extra_barcodes_and_upc_spellings(products):
    atta, cola, _ = products
    assert catalog.lookup_barcode(make_ean13("890100000001")).product.id == atta.id
    ProductBarcode.create(product=atta, barcode=make_ean13("890100000099"))
    assert catalog.lookup_barcode(make_ean13("890100000099")).product.id == atta.id
    assert catalog.lookup_barcode("0036000291452").product.id == cola.id
    assert catalog.lookup_barcode(" 036000291452 ").product.name == "Cola 600ml"


def test_weight_and_price_labels(products, owner):
    _, _, dal = products
    weighed = catalog.lookup_barcode(make_ean13("210000700250"))
    assert (weighed.product.id, weighed.quantity, weighed.price) == (dal.id, Decimal("0.250"), None)
    set_setting(owner, "barcode_layout", "weight=21;price=22;item=5;value=5")
    priced = catalog.lookup_barcode(make_ean13("220000701999"))
    assert (priced.product.id, priced.quantity, priced.price) == (
        dal.id,
        Decimal(1),
        Decimal("19.99"),
    )


def test_refusals(products):
    with pytest.raises(ValidationError, match="check digit"):
        catalog.lookup_barcode("8901000000012")
    with pytest.raises(NotFound, match="No product with barcode"):
        catalog.lookup_barcode(make_ean13("890999999999"))
    old = catalog.search_products("old soap")
    assert old == []
    with pytest.raises(Conflict, match="inactive"):
        catalog.lookup_barcode(f"T{4:04d}")


def test_search_by_name_start_word_code_and_pages(products, make_product):
    for n in range(25):
        make_product(f"Biscuit {n:02d}", "10.00")
    assert [p.name for p in catalog.search_products("toor")] == ["Toor Dal (Loose)"]
    assert [p.name for p in catalog.search_products("DAL")] == ["Toor Dal (Loose)"]
    assert catalog.search_products("2100007")[0].code == "2100007"
    first = catalog.search_products("biscuit", limit=10)
    second = catalog.search_products("biscuit", limit=10, offset=10)
    assert len(first) == 10 and len(second) == 10
    assert {p.id for p in first}.isdisjoint({p.id for p in second})
    assert [p.name for p in first] == sorted(p.name for p in first)
    assert catalog.search_products("   ") == []
