"""Hypothesis over the service calls, on SQLite and PostgreSQL (fewer examples there).

Checkout with arbitrary carts, stock adjustments, credit payments and adjustments, customers,
products and store settings. Each call either succeeds, and then `posterm doctor` finds no
violation, or raises one of the project's errors (a ValidationError or a business refusal)
with a message, and then not one row of any table has changed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from posterm.domain.barcodes import make_ean13
from posterm.domain.cart import Discount
from posterm.domain.customers import CustomerForm
from posterm.domain.errors import PostermError
from posterm.domain.permissions import Actor, Role
from posterm.domain.product_input import ProductInput
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.domain.stock import AdjustReason
from posterm.domain.store_settings import SPECS
from posterm.services import checkout, credit, csv_files, customers, products, shifts, stock
from posterm.services.settings import load_settings, set_setting
from tests.conftest import actor_for, doctor_problems
from tests.fuzz_inputs import (
    hostile_decimals,
    hostile_text,
    number_text,
    service_settings,
    table_fingerprint,
)

D = Decimal

small_decimals = st.one_of(
    st.decimals(min_value=-5, max_value=60, places=3),
    st.decimals(min_value=0, max_value=200, places=2),
    st.sampled_from([D(1), D(2), D("0.250"), D("28.00"), D(0)]),
)
some_decimal = st.one_of(small_decimals, hostile_decimals)


def mostly(sane, hostile, odds: int = 3):
    """`odds` draws in `odds + 1` from `sane`: enough calls go through to test what they
    write (a form of ten fields, each hostile one time in four, would hardly ever pass)."""
    return st.sampled_from([True] * odds + [False]).flatmap(lambda ok: sane if ok else hostile)


@pytest.fixture
def store(owner: Actor, make_product, make_customer) -> dict:
    """A few products (pieces, by weight, inactive), customers (limits, blocked), a cashier."""
    made = [
        make_product("Tata Salt 1kg", "28.00", stock="5000"),
        make_product("Rice", "62.50", stock="5000", unit="kg", by_weight=True),
        make_product("Old Soap", "20.00", stock="5", status="inactive"),
    ]
    for n, product in enumerate(made, start=1):  # barcodes the product form accepts
        product.barcode = make_ean13(f"89012345000{n}")
        product.save()
    return {
        "owner": owner,
        "cashier": actor_for("cashier", Role.CASHIER, by=owner),
        "products": [*(product.id for product in made), 10_000],  # 10000: no such product
        "customers": [
            make_customer("Ramesh", credit_limit="90000").id,
            make_customer("Blocked", credit_limit="500", status="blocked", notes="bounced").id,
            10_000,  # no such customer
        ],
    }


def refused_or_sound(call: Callable[[], object]) -> object | None:
    """Runs one service call: on success the store is sound, on refusal nothing was written."""
    before = table_fingerprint()
    try:
        result = call()
    except PostermError as refused:
        event(f"refused: {type(refused).__name__}")
        assert str(refused).strip(), f"{type(refused).__name__} without a message"
        after = table_fingerprint()
        changed = [table for table in before if before[table] != after[table]]
        assert not changed, f"refused ({refused}) but wrote to {changed}"
        return None
    event("done")
    assert doctor_problems() == []
    return result


def _postgres(url: str) -> bool:
    return url.startswith("postgres")


# --- checkout ----------------------------------------------------------------------------------

discounts = mostly(
    st.none(),
    st.builds(Discount, st.sampled_from(["amount", "percent"]), some_decimal),
)


@st.composite
def carts(draw, store: dict) -> tuple[Actor, CheckoutRequest]:
    salt, rice, *others = store["products"]
    lines = draw(
        st.lists(
            st.builds(
                SaleLineRequest,
                product_id=mostly(st.sampled_from([salt, rice]), st.sampled_from(others), 9),
                quantity=mostly(st.sampled_from([D(1), D(2), D(3)]), some_decimal, 6),
                unit_price=mostly(st.none(), some_decimal, 6),
                line_discount=discounts,
            ),
            min_size=1,
            max_size=4,
        )
    )
    tenders = draw(
        mostly(
            st.sampled_from([[Tender("cash", D("5000.00"))], []]),
            st.lists(
                st.builds(
                    Tender,
                    st.sampled_from(["cash", "upi", "card", "credit", "gold", " CASH "]),
                    some_decimal,
                    st.text(max_size=70),
                ),
                max_size=3,
            ),
        )
    )
    ramesh, *other_customers = store["customers"]
    request = CheckoutRequest(
        uuid4(),
        lines,
        bill_discount=draw(discounts),
        customer_id=draw(mostly(st.sampled_from([None, ramesh]), st.sampled_from(other_customers))),
        tenders=tenders,
        note=draw(st.text(max_size=20)),
    )
    return draw(st.sampled_from([store["owner"], store["cashier"]])), request


def test_checkout_of_any_cart_sells_soundly_or_writes_nothing(db_url, store):
    @service_settings(postgres=_postgres(db_url))
    @given(carts(store))
    def sell(cart):
        actor, request = cart
        sale = refused_or_sound(lambda: checkout.checkout(actor, request))
        if sale is not None:
            paid = sum((p.amount for p in sale.payments), D(0))
            assert paid == sale.total >= 0
            assert sale.change >= 0 and sale.credit_amount >= 0

    sell()


# --- stock -------------------------------------------------------------------------------------


def test_stock_adjustments_of_any_size(db_url, store):
    @service_settings(postgres=_postgres(db_url))
    @example(store["products"][0], AdjustReason.DAMAGED, (D(-1), None), "torn\x00pack")
    @given(
        mostly(st.sampled_from(store["products"][:2]), st.sampled_from(store["products"])),
        st.sampled_from(list(AdjustReason)),
        mostly(
            st.one_of(
                some_decimal.map(lambda change: (change, None)),
                some_decimal.map(lambda stock: (None, stock)),
            ),
            st.tuples(st.one_of(st.none(), some_decimal), st.one_of(st.none(), some_decimal)),
        ),
        mostly(st.just(""), hostile_text),
    )
    def adjust(product_id, reason, amounts, note):
        change, new_stock = amounts
        refused_or_sound(
            lambda: stock.adjust_stock(
                store["owner"], product_id, reason, change=change, new_stock=new_stock, note=note
            )
        )

    adjust()


# --- credit ------------------------------------------------------------------------------------


def test_credit_payments_and_adjustments(db_url, store):
    owner = store["owner"]
    # Something owed, so payments and write-offs have a balance to work on.
    checkout.checkout(
        owner,
        CheckoutRequest(
            uuid4(),
            [SaleLineRequest(store["products"][0], D(10))],
            customer_id=store["customers"][0],
        ),
    )

    @service_settings(postgres=_postgres(db_url))
    @example(store["customers"][0], "1", "cash", "bad\x00debt", "write_off")  # a NUL character
    @given(
        mostly(st.just(store["customers"][0]), st.sampled_from(store["customers"])),
        mostly(
            st.sampled_from(["1", "2.50", D("5.00"), D(1)]), st.one_of(number_text, some_decimal)
        ),
        mostly(st.just("cash"), st.sampled_from(["upi", "card", "credit", "gold", ""])),
        mostly(st.just("settling up"), hostile_text),
        st.sampled_from(["pay", "write_off", "lower", "raise"]),
    )
    def pay(customer_id, amount, method, text, kind):
        if kind == "pay":
            call = lambda: credit.take_payment(owner, customer_id, amount, method, text[:70])  # noqa: E731
        else:
            call = lambda: credit.adjust(  # noqa: E731
                owner,
                customer_id,
                amount,
                text,
                write_off=kind == "write_off",
                raise_balance=kind == "raise",
            )
        refused_or_sound(call)

    pay()


# --- customers ---------------------------------------------------------------------------------

customer_forms = st.builds(
    CustomerForm,
    name=mostly(st.sampled_from(["Asha", "Ravi Kumar"]), hostile_text, 8),
    phone=mostly(st.from_regex(r"9[0-9]{9}", fullmatch=True), hostile_text, 8),
    email=mostly(st.just(""), st.one_of(st.emails(), hostile_text), 8),
    address=mostly(st.just(""), hostile_text, 8),
    tax_id=mostly(st.just(""), hostile_text, 8),
    credit_limit=mostly(st.sampled_from(["", "500"]), number_text, 8),
    status=mostly(st.just("active"), st.sampled_from(["inactive", "blocked", "vip"]), 8),
    notes=mostly(st.just(""), hostile_text, 8),
    code=mostly(
        st.just(""), st.one_of(st.from_regex(r"C[0-9]{1,4}", fullmatch=True), hostile_text)
    ),
    card_barcode=mostly(st.just(""), hostile_text, 8),
)


def test_customer_create_and_update(db_url, store):
    @service_settings(postgres=_postgres(db_url))
    @example(CustomerForm(name="A\x00B"), None)
    @example(CustomerForm(name="Asha", notes="\x00"), store["customers"][0])
    @given(customer_forms, st.one_of(st.none(), st.sampled_from(store["customers"])))
    def save(form, customer_id):
        if customer_id is None:
            call = lambda: customers.create_customer(store["owner"], form)  # noqa: E731
        else:
            call = lambda: customers.update_customer(store["owner"], customer_id, form)  # noqa: E731
        refused_or_sound(call)

    save()


# --- products ----------------------------------------------------------------------------------

product_value = st.one_of(
    hostile_text,
    some_decimal,
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=10**12),
    st.sampled_from([make_ean13("890123456789"), "", "kg", "pcs", "active", "yes"]),
)


def test_product_create_and_update(db_url, store):
    fields = [*ProductInput.model_fields, "stock", "colour"]

    @service_settings(postgres=_postgres(db_url))
    @example({"name": "So\x00ap", "code": "S1", "price": "30"}, {}, None)  # a NUL character
    @given(
        st.fixed_dictionaries(
            {
                "name": st.sampled_from(["Soap", "Tea"]),
                "code": st.from_regex(r"[A-Z][0-9]{1,5}", fullmatch=True),
                "price": mostly(
                    st.sampled_from(["30", D("12.50")]), st.one_of(number_text, some_decimal)
                ),
            },
        ),
        mostly(st.just({}), st.dictionaries(st.sampled_from(fields), product_value, max_size=5)),
        st.one_of(st.none(), st.sampled_from(store["products"])),
    )
    def save(base, extra, product_id):
        data = base | extra
        if product_id is None:
            call = lambda: products.create_product(store["owner"], data)  # noqa: E731
        else:
            changes = extra or {"price": data["price"]}
            call = lambda: products.update_product(store["owner"], product_id, changes)  # noqa: E731
        refused_or_sound(call)

    save()


# --- store settings ----------------------------------------------------------------------------


def test_settings_update(db_url, store):
    @service_settings(postgres=_postgres(db_url))
    @example("store_name", "a\x00b")  # PostgreSQL cannot store a NUL character
    @given(
        st.sampled_from([spec.key for spec in SPECS] + ["no_such_key"]),
        st.one_of(hostile_text, st.sampled_from([spec.default for spec in SPECS])),
    )
    def change(key, text):
        stored = refused_or_sound(lambda: set_setting(store["owner"], key, text))
        # Whatever was stored, the till can still read its settings.
        settings = load_settings()
        if stored is not None:
            assert key in settings.values

    change()


# --- shifts and cash ---------------------------------------------------------------------------


def test_cash_movements_and_shift_close(db_url, store):
    owner = store["owner"]
    shifts.open_new_shift(owner, "500")

    @service_settings(postgres=_postgres(db_url))
    @given(
        st.sampled_from(["cash_in", "cash_out", "payout", "expense", "refund"]),
        mostly(st.sampled_from(["100", "20.50", D("5.00")]), st.one_of(number_text, some_decimal)),
        mostly(st.just("tea"), hostile_text),
        mostly(st.just("float top-up"), hostile_text),
        st.dictionaries(
            st.sampled_from(["2000", "500", "10", "1", "3"]),
            mostly(st.sampled_from(["", "1", "3"]), hostile_text),
        ),
        mostly(st.just(False), st.just(True)),
        st.one_of(number_text, some_decimal),
    )
    def work(kind, amount, category, reason, counts, close, opening):
        if not close:
            refused_or_sound(lambda: shifts.record_cash(owner, kind, amount, category, reason))
            return
        closed = refused_or_sound(lambda: shifts.close_shift(owner, counts))
        # A closed shift: the next one opens with any float typed, or with none if refused.
        reopened = closed is not None and refused_or_sound(
            lambda: shifts.open_new_shift(owner, opening)
        )
        if reopened is None:
            shifts.open_new_shift(owner, "0")

    work()


# --- product CSV files -------------------------------------------------------------------------

_csv_cells = {
    "code": mostly(st.from_regex(r"P[0-9]{1,3}", fullmatch=True), hostile_text),
    "name": mostly(st.sampled_from(["Soap", "Tea 250g", ""]), hostile_text),
    "price": mostly(st.sampled_from(["12", "28.50", ""]), number_text),
    "stock": mostly(st.sampled_from(["", "5", "-2", "0.500"]), number_text),
    "barcode": mostly(st.sampled_from(["", make_ean13("890555000001")]), hostile_text),
    "tax_rate": mostly(st.sampled_from(["", "5", "18%", "12.5"]), number_text),
    "unit": mostly(st.sampled_from(["", "pcs", "kg"]), hostile_text),
    "category": mostly(st.sampled_from(["", "Soaps", "General"]), hostile_text),
}


@st.composite
def product_csv_files(draw) -> bytes:
    columns = draw(st.lists(st.sampled_from(list(_csv_cells)), min_size=1, unique=True))
    rows = draw(st.lists(st.fixed_dictionaries({c: _csv_cells[c] for c in columns}), max_size=4))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([row[c] for c in columns] for row in rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


def test_product_csv_imports_all_or_nothing(db_url, store):
    @service_settings(postgres=_postgres(db_url))
    @given(mostly(product_csv_files(), st.binary(max_size=80)), st.booleans())
    def load(data, dry_run):
        before = table_fingerprint()
        report = refused_or_sound(
            lambda: csv_files.import_products(store["owner"], data, dry_run=dry_run)
        )
        if report is not None and (report.errors or dry_run):
            assert all(str(error).strip() for error in report.errors)
            assert table_fingerprint() == before, "a refused or dry-run import wrote rows"

    load()
