"""Scanning and searching products, on both databases: real EAN-13s and UPC-As, weight and
price labels, misreads, products that may not be sold, and search by code, barcode and words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from posterm.data.models import Category, Product, ProductBarcode, ProductWord, database
from posterm.domain.barcodes import make_ean13
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.products import ProductInfo, ScanResult, search_key
from posterm.services import catalog, settings

# Real codes: Tata Salt's EAN-13, and a UPC-A (Coca-Cola 12 oz can) that scanners may send as
# 12 digits or as a 13-digit EAN with a leading 0.
TATA_SALT = "8901058000290"
COKE_UPC = "049000028911"


@pytest.fixture
def salt(make_product) -> Product:
    product = make_product("Tata Salt 1kg", "28.00")
    product.barcode = TATA_SALT
    product.category = Category.create(name="Staples")
    product.save()
    return product


def test_an_ean13_scan_finds_the_product_with_its_rate_and_category(salt):
    found = catalog.lookup_barcode(TATA_SALT)
    assert isinstance(found, ScanResult)
    assert (found.quantity, found.price, found.code) == (None, None, TATA_SALT)
    assert found.product == ProductInfo(
        id=salt.id,
        code=salt.code,
        name="Tata Salt 1kg",
        barcode=TATA_SALT,
        unit="pcs",
        sold_by_weight=False,
        price=Decimal("28.00"),
        tax_rate=Decimal("5"),
        hsn_code="2501",
        stock=Decimal("10"),
        status="active",
        category="Staples",
    )


def test_spaces_in_a_typed_code_are_ignored(salt):
    assert catalog.lookup_barcode(" 8901058 000290 \n").product.id == salt.id


def test_an_extra_barcode_finds_its_product(salt, make_product):
    other = make_product("Aashirvaad Atta 5kg", "285.00")
    extra = make_ean13("890172500037")
    ProductBarcode.create(product=other, barcode=extra)
    assert catalog.lookup_barcode(extra).product.id == other.id
    assert catalog.lookup_barcode(TATA_SALT).product.id == salt.id


@pytest.mark.parametrize("stored", [COKE_UPC, "0" + COKE_UPC])
@pytest.mark.parametrize("scanned", [COKE_UPC, "0" + COKE_UPC])
@pytest.mark.parametrize("where", ["product", "extra"])
def test_a_upc_a_is_found_as_12_or_13_digits(make_product, stored, scanned, where):
    coke = make_product("Coca-Cola Can 355ml", "40.00")
    if where == "product":
        coke.barcode = stored
        coke.save()
    else:
        ProductBarcode.create(product=coke, barcode=stored)
    assert catalog.lookup_barcode(scanned).product.id == coke.id


def test_a_product_code_can_be_typed_instead_of_a_barcode(salt):
    assert catalog.lookup_barcode(salt.code).product.id == salt.id


def test_a_barcode_wins_over_another_products_code(make_product):
    by_code = make_product("By code")
    by_barcode = make_product("By barcode")
    by_barcode.barcode = by_code.code
    by_barcode.save()
    assert catalog.lookup_barcode(by_code.code).product.id == by_barcode.id


def test_a_wrong_check_digit_asks_for_a_rescan(salt):
    misread = TATA_SALT[:-1] + str((int(TATA_SALT[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as caught:
        catalog.lookup_barcode(misread)
    assert caught.value.field == "barcode"
    assert caught.value.message == "check digit is wrong: rescan or type it"


def test_an_unknown_code_is_not_found(owner):
    unknown = make_ean13("890000099999")
    with pytest.raises(NotFound, match=f"No product with barcode {unknown}."):
        catalog.lookup_barcode(unknown)
    with pytest.raises(NotFound):
        catalog.lookup_barcode("X" * 40)
    with pytest.raises(ValidationError):
        catalog.lookup_barcode("   ")


@pytest.mark.parametrize("status", ["inactive", "discontinued"])
def test_a_product_that_may_not_be_sold_is_refused_by_name(make_product, status):
    product = make_product("Old Biscuits", status=status)
    product.barcode = make_ean13("890123400001")
    product.save()
    with pytest.raises(Conflict, match=f"Old Biscuits .* is {status}"):
        catalog.lookup_barcode(product.barcode)
    with pytest.raises(Conflict, match=f"is {status}"):
        catalog.lookup_barcode(product.code)


@pytest.fixture
def loose_dal(make_product) -> Product:
    """A scale item: its code is the item part of the scale's labels (21 + 5 digits)."""
    product = make_product("Toor Dal (Loose)", "155.00", stock="50", unit="kg", by_weight=True)
    product.code = "2100123"
    product.barcode = None
    product.save()
    return product


def test_a_weight_label_gives_the_weight(loose_dal):
    label = make_ean13("210012300250")  # 21, item 00123, 00250 g -> 0.250 kg
    found = catalog.lookup_barcode(label)
    assert found.product.id == loose_dal.id
    assert found.quantity == Decimal("0.250")
    assert found.price is None
    assert found.code == label


def test_a_price_label_gives_one_pack_at_the_label_price(loose_dal):
    price_item = loose_dal
    price_item.code = "2300123"
    price_item.save()
    found = catalog.lookup_barcode(make_ean13("230012301575"))  # 23, item 00123, 15.75
    assert found.product.id == price_item.id
    assert (found.quantity, found.price) == (Decimal(1), Decimal("15.75"))


def test_one_item_may_be_labelled_by_weight_or_by_price(loose_dal, make_product):
    # The item "00123" is coded 2100123; a price label (23) for it finds it too.
    found = catalog.lookup_barcode(make_ean13("230012301575"))
    assert (found.product.id, found.price) == (loose_dal.id, Decimal("15.75"))
    # Unless another product has that very code: the scanned prefix comes first.
    other = make_product("Dal Pack (Priced)", "100.00")
    other.code = "2300123"
    other.save()
    assert catalog.lookup_barcode(make_ean13("230012301575")).product.id == other.id
    assert catalog.lookup_barcode(make_ean13("210012300250")).product.id == loose_dal.id


def test_the_label_layout_is_a_store_setting(owner, loose_dal):
    settings.set_setting(owner, "barcode_layout", "weight=28;price=;item=4;value=6")
    loose_dal.code = "280123"
    loose_dal.save()
    found = catalog.lookup_barcode(make_ean13("280123001000"))  # 28, item 0123, 001000 g
    assert (found.product.id, found.quantity) == (loose_dal.id, Decimal("1.000"))
    # With 21 no longer a weight prefix, a 21 code is an ordinary (unknown) barcode.
    with pytest.raises(NotFound):
        catalog.lookup_barcode(make_ean13("210012300250"))


def test_a_label_for_an_unknown_or_inactive_item_is_refused(loose_dal):
    with pytest.raises(NotFound, match="2199999"):
        catalog.lookup_barcode(make_ean13("219999900250"))
    loose_dal.status = "inactive"
    loose_dal.save()
    with pytest.raises(Conflict, match="is inactive"):
        catalog.lookup_barcode(make_ean13("210012300250"))


def test_a_label_weighing_nothing_is_refused(loose_dal):
    with pytest.raises(ValidationError, match="zero"):
        catalog.lookup_barcode(make_ean13("210012300000"))


def test_a_product_without_a_rate_takes_the_stores_default(owner, salt):
    settings.set_setting(owner, "default_tax_rate", "12")
    salt.tax_rate = None
    salt.save()
    assert catalog.lookup_barcode(TATA_SALT).product.tax_rate == Decimal("12")
    assert catalog.get_product(salt.id).tax_rate == Decimal("12")


def test_get_product_returns_any_status(make_product):
    old = make_product("Old Soap", status="inactive")
    assert catalog.get_product(old.id).status == "inactive"
    with pytest.raises(NotFound):
        catalog.get_product(999_999)


# --- search ----------------------------------------------------------------------------------


def _names(found: list[ProductInfo]) -> list[str]:
    return [p.name for p in found]


@pytest.fixture
def shelf(make_product) -> dict[str, Product]:
    names = [
        "Tata Salt 1kg",
        "Tata Tea Gold 500g",
        "Tata Salt Lite 1kg",
        "Saffola Gold Oil 1L",
        "Catch Rock Salt 500g",
        "Annapurna Salt (Iodised) 1kg",
        "Salted Peanuts 200g",
        "Surf Excel 1kg",
        "Old Salt Stock",
    ]
    made = {name: make_product(name) for name in names}
    made["Old Salt Stock"].status = "inactive"
    made["Old Salt Stock"].save()
    return made


def test_names_starting_with_the_text_come_before_later_words(shelf):
    assert _names(catalog.search_products("sal")) == [
        "Salted Peanuts 200g",
        "Annapurna Salt (Iodised) 1kg",
        "Catch Rock Salt 500g",
        "Tata Salt 1kg",
        "Tata Salt Lite 1kg",
    ]


def test_search_ignores_case_spaces_and_separators(shelf):
    tata_salts = ["Tata Salt 1kg", "Tata Salt Lite 1kg"]
    assert _names(catalog.search_products("  TATA   sa ")) == tata_salts
    assert _names(catalog.search_products("iodi")) == ["Annapurna Salt (Iodised) 1kg"]
    assert _names(catalog.search_products("gold")) == ["Saffola Gold Oil 1L", "Tata Tea Gold 500g"]


def test_several_typed_words_must_each_start_a_word(shelf):
    assert _names(catalog.search_products("salt 1kg")) == [
        "Annapurna Salt (Iodised) 1kg",
        "Tata Salt 1kg",
        "Tata Salt Lite 1kg",
    ]
    assert _names(catalog.search_products("rock sal")) == ["Catch Rock Salt 500g"]
    assert catalog.search_products("salt 2kg") == []


def test_search_pages_through_the_results(shelf):
    everything = _names(catalog.search_products("s", limit=50))
    assert "Old Salt Stock" not in everything  # inactive
    assert len(everything) == len(set(everything)) == 7
    assert everything[:3] == ["Saffola Gold Oil 1L", "Salted Peanuts 200g", "Surf Excel 1kg"]
    pages = [_names(catalog.search_products("s", limit=3, offset=o)) for o in (0, 3, 6, 9)]
    assert [len(page) for page in pages] == [3, 3, 1, 0]
    assert [name for page in pages for name in page] == everything


def test_an_exact_code_or_barcode_comes_first(shelf):
    rock = shelf["Catch Rock Salt 500g"]
    assert _names(catalog.search_products(rock.barcode)) == ["Catch Rock Salt 500g"]
    assert _names(catalog.search_products(rock.code.lower())) == ["Catch Rock Salt 500g"]
    peanuts = shelf["Salted Peanuts 200g"]
    peanuts.code = "SAL"
    peanuts.save()
    tea = shelf["Tata Tea Gold 500g"]
    tea.barcode = "sal"
    tea.save()
    found = _names(catalog.search_products("sal"))
    assert found[:2] == ["Salted Peanuts 200g", "Tata Tea Gold 500g"]  # code, barcode: by name
    assert found.count("Salted Peanuts 200g") == 1
    assert len(found) == 6
    assert _names(catalog.search_products("sal", offset=1, limit=2)) == [
        "Tata Tea Gold 500g",
        "Annapurna Salt (Iodised) 1kg",
    ]
    extra = make_ean13("400638133393")
    ProductBarcode.create(product=shelf["Surf Excel 1kg"], barcode=extra)
    assert _names(catalog.search_products(extra)) == ["Surf Excel 1kg"]


def test_the_word_index_follows_renames_and_status(shelf):
    peanuts = shelf["Salted Peanuts 200g"]
    peanuts.name = "Roasted Groundnuts 200g"
    peanuts.search_name = search_key(peanuts.name, peanuts.code)
    peanuts.save()
    assert "Roasted Groundnuts 200g" in _names(catalog.search_products("groundn"))
    assert "Roasted Groundnuts 200g" not in _names(catalog.search_products("salted"))
    old = shelf["Old Salt Stock"]
    old.status = "active"
    old.save()
    assert "Old Salt Stock" in _names(catalog.search_products("stock"))
    old.status = "discontinued"
    old.save()
    assert catalog.search_products("stock") == []
    assert not ProductWord.select().where(ProductWord.product_id == old.id).exists()


def test_bulk_inserted_products_are_searchable(owner):
    rows = [
        {
            "code": f"B{i:03d}",
            "name": f"Brand{i} Widget",
            "search_name": search_key(f"Brand{i} Widget", f"B{i:03d}"),
            "price": Decimal("10.00"),
        }
        for i in range(30)
    ]
    with database.atomic():
        Product.insert_many(rows).execute()
    found = catalog.search_products("widg", limit=100)
    by_name = sorted(rows, key=lambda row: row["search_name"])
    assert [p.code for p in found] == [row["code"] for row in by_name]


def test_search_refuses_a_silly_page(owner):
    assert catalog.search_products("   ") == []
    with pytest.raises(ValidationError):
        catalog.search_products("salt", limit=0)
    with pytest.raises(ValidationError):
        catalog.search_products("salt", offset=-1)


def test_search_with_odd_characters_is_safe(shelf):
    for text in ("%", "_", "\\", "sa%", "'; drop table product; --", "ｓａｌｔ", "\U0010ffff"):
        catalog.search_products(text)


def test_the_upgrade_indexes_the_words_of_existing_products(owner):
    """Migration 0002 on a store that already has products (and its down() undoes it)."""
    from playhouse.migrations import Runner

    from posterm.data.schema import MIGRATIONS_DIR, upgrade

    runner = Runner(database.obj, directory=str(MIGRATIONS_DIR))
    assert runner.down() == ["0003_product_list_order"]  # the later one goes first
    assert runner.down() == ["0002_product_words"]
    assert "product_word" not in database.get_tables()
    rows = [
        {"code": "OLD1", "name": "Kissan Mixed Fruit Jam", "price": Decimal("120.00")},
        {"code": "OLD2", "name": "Mother's Recipe Mango-Pickle", "price": Decimal("90.00")},
        {"code": "OLD3", "name": "Gone Jam", "price": Decimal("1.00"), "status": "inactive"},
    ]
    for row in rows:
        row["search_name"] = search_key(row["name"], row["code"])
    Product.insert_many(rows).execute()
    assert upgrade(database.obj) == ["0002_product_words", "0003_product_list_order"]
    assert _names(catalog.search_products("jam")) == ["Kissan Mixed Fruit Jam"]
    assert _names(catalog.search_products("pick")) == ["Mother's Recipe Mango-Pickle"]
    assert _names(catalog.search_products("recipe mango")) == ["Mother's Recipe Mango-Pickle"]


def test_a_common_word_start_pages_in_word_order(shelf, monkeypatch):
    """Past SORT_LIMIT matching words, results follow the word index: word, then name."""
    monkeypatch.setattr(catalog, "SORT_LIMIT", 3)
    everything = _names(catalog.search_products("s", limit=50))
    assert everything == [
        "Saffola Gold Oil 1L",  # the names starting with "s" first, by name
        "Salted Peanuts 200g",
        "Surf Excel 1kg",
        "Annapurna Salt (Iodised) 1kg",  # then word "salt", by name
        "Catch Rock Salt 500g",
        "Tata Salt 1kg",
        "Tata Salt Lite 1kg",
    ]
    pages = [_names(catalog.search_products("s", limit=2, offset=o)) for o in range(0, 8, 2)]
    assert [name for page in pages for name in page] == everything


def test_a_deleted_product_leaves_no_words(owner):
    surf = Product.create(
        code="S1", name="Surf Excel 1kg", search_name=search_key("Surf Excel 1kg", "S1"),
        price=Decimal("99.00"),
    )  # fmt: skip
    assert _names(catalog.search_products("excel")) == ["Surf Excel 1kg"]
    Product.delete().where(Product.id == surf.id).execute()
    assert not ProductWord.select().where(ProductWord.product_id == surf.id).exists()
    assert catalog.search_products("excel") == []


def test_a_page_deep_into_a_common_word(shelf, monkeypatch):
    monkeypatch.setattr(catalog, "SORT_LIMIT", 1)
    assert _names(catalog.search_products("s", limit=2, offset=5)) == [
        "Tata Salt 1kg",
        "Tata Salt Lite 1kg",
    ]


def test_the_tills_scan_settings(owner):
    store = settings.load_settings()
    assert store.merge_repeat_scans is True
    assert store.barcode_layout == "weight=21,22;price=23,24;item=5;value=5"
    settings.set_setting(owner, "merge_repeat_scans", "no")
    assert settings.load_settings().merge_repeat_scans is False
    with pytest.raises(ValidationError) as caught:
        settings.set_setting(owner, "barcode_layout", "weight=21;price=21")
    assert caught.value.field == "barcode_layout"
