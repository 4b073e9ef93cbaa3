"""Suppliers, goods received and the supplier ledger, on both databases."""

from __future__ import annotations

import multiprocessing
from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from posterm.data.fields import sum_of
from posterm.data.models import (
    AuditEvent,
    Batch,
    CashMovement,
    Product,
    Purchase,
    PurchaseDraft,
    PurchaseLine,
    Shift,
    StockMovement,
    Supplier,
    SupplierEntry,
)
from posterm.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from posterm.domain.permissions import Actor, Role
from posterm.domain.purchases import (
    FieldErrors,
    PurchaseLineRequest,
    PurchaseRequest,
    ReceivingDraft,
    SupplierInput,
)
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import checkout, purchasing, suppliers
from tests.conftest import actor_for, doctor_problems

D = Decimal
TODAY = date.today()
WRITTEN = (Purchase, PurchaseLine, Batch, StockMovement, SupplierEntry, AuditEvent)


def counts() -> dict[str, object]:
    found: dict[str, object] = {m.__name__: m.select().count() for m in WRITTEN}
    found["stock"] = sorted((p.id, p.stock, p.cost) for p in Product.select())
    found["balances"] = sorted((s.id, s.balance) for s in Supplier.select())
    return found


def line(product, quantity, cost, rate="0", **extra) -> PurchaseLineRequest:
    return PurchaseLineRequest(product.id, D(quantity), D(cost), D(rate), **extra)


def purchase(supplier, *lines, invoice="INV-1", paid="0", method="cash", **extra):
    return PurchaseRequest(supplier.id, invoice, TODAY, tuple(lines), D(paid), method, **extra)


@pytest.fixture
def supplier(owner: Actor):
    return suppliers.create_supplier(
        owner, SupplierInput("Sharma Traders", "Ravi Sharma", "98100 12345", tax_id="07abc1234")
    )


def ledger_ok(supplier_id: int) -> None:
    entries = list(
        SupplierEntry.select()
        .where(SupplierEntry.supplier == supplier_id)
        .order_by(SupplierEntry.id)
    )
    running = D(0)
    for entry in entries:
        running += entry.amount
        assert entry.balance_after == running
    assert Supplier.get_by_id(supplier_id).balance == running


# --- suppliers -------------------------------------------------------------------------------


def test_suppliers_are_created_edited_searched_and_deactivated(owner, supplier):
    assert (supplier.name, supplier.tax_id, supplier.balance) == (
        "Sharma Traders",
        "07ABC1234",
        D(0),
    )
    other = suppliers.create_supplier(owner, SupplierInput("Agarwal Foods", phone="0112233"))
    edited = suppliers.update_supplier(
        owner, other.id, SupplierInput("Agarwal Foods Pvt Ltd", email="sales@agarwal.in")
    )
    assert (edited.name, edited.email, edited.phone) == (
        "Agarwal Foods Pvt Ltd",
        "sales@agarwal.in",
        "",
    )
    assert [s.name for s in suppliers.search_suppliers("")] == [
        "Agarwal Foods Pvt Ltd",
        "Sharma Traders",
    ]
    assert [s.name for s in suppliers.search_suppliers("ravi")] == ["Sharma Traders"]
    assert [s.name for s in suppliers.search_suppliers("12345")] == ["Sharma Traders"]
    assert [s.name for s in suppliers.search_suppliers("", limit=1, offset=1)] == ["Sharma Traders"]

    suppliers.set_supplier_active(owner, supplier.id, False)
    assert [s.name for s in suppliers.search_suppliers("")] == ["Agarwal Foods Pvt Ltd"]
    assert len(suppliers.search_suppliers("", include_inactive=True)) == 2
    assert Supplier.get_by_id(supplier.id).deleted_at is None  # soft: history stays
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert actions[-4:] == [
        "supplier.create",
        "supplier.create",
        "supplier.update",
        "supplier.deactivate",
    ]


def test_a_bad_supplier_form_names_every_bad_field(owner, supplier):
    with pytest.raises(FieldErrors) as caught:
        suppliers.create_supplier(
            owner, SupplierInput("  ", phone="call me", email="nobody", tax_id="x" * 40)
        )
    assert set(caught.value.errors) == {"name", "phone", "email", "tax_id"}
    with pytest.raises(FieldErrors, match="already has this name"):
        suppliers.create_supplier(owner, SupplierInput("sharma traders"))
    assert Supplier.select().count() == 1


# --- purchases -------------------------------------------------------------------------------


def test_a_purchase_writes_lines_batches_stock_and_the_supplier_due(owner, supplier, make_product):
    rice = make_product("Basmati Rice 1kg", "150.00", stock="4", cost="110")
    oil = make_product("Sunflower Oil 1l", "180.00", stock="0", cost="140")
    Product.update(track_expiry=True).where(Product.id == oil.id).execute()
    expiry = TODAY + timedelta(days=180)

    detail = purchasing.post_purchase(
        owner,
        purchase(
            supplier,
            line(rice, 20, "105.50", "5"),
            line(oil, 12, "132.25", "5", batch_number="B-77", expiry_date=expiry),
            paid="1000",
        ),
    )

    # 20 x 105.50 = 2110.00 + 105.50 tax; 12 x 132.25 = 1587.00 + 79.35 tax
    assert (detail.subtotal, detail.tax_total, detail.total) == (
        D("3697.00"),
        D("184.85"),
        D("3881.85"),
    )
    assert (detail.paid, detail.due, detail.method) == (D("1000.00"), D("2881.85"), "cash")
    assert detail.supplier.balance == D("2881.85")
    assert [(li.quantity, li.batch_number, li.expiry_date) for li in detail.lines] == [
        (D(20), "", None),
        (D(12), "B-77", expiry),
    ]
    batches = list(Batch.select().order_by(Batch.id))
    assert [
        (b.product_id, b.unit_cost, b.quantity_received, b.quantity_remaining, b.expiry_date)
        for b in batches
    ] == [
        (rice.id, D("105.5"), D(20), D(20), None),
        (oil.id, D("132.25"), D(12), D(12), expiry),
    ]
    assert all(b.purchase_line.purchase_id == detail.id for b in batches)
    moves = list(StockMovement.select().where(StockMovement.kind == "purchase"))
    assert {(m.product_id, m.quantity, m.purchase_id, m.batch_id) for m in moves} == {
        (rice.id, D(20), detail.id, batches[0].id),
        (oil.id, D(12), detail.id, batches[1].id),
    }
    for product in (rice, oil):
        ledger = (
            StockMovement.select(sum_of(StockMovement.quantity))
            .where(StockMovement.product == product.id)
            .scalar()
        )
        assert Product.get_by_id(product.id).stock == ledger
    assert Product.get_by_id(rice.id).stock == D(24)
    assert Product.get_by_id(rice.id).cost == D("105.5")  # the latest cost
    entries = [(e.kind, e.amount, e.balance_after, e.method) for e in SupplierEntry.select()]
    assert entries == [
        ("purchase", D("3881.85"), D("3881.85"), ""),
        ("payment", D("-1000"), D("2881.85"), "cash"),
    ]
    ledger_ok(supplier.id)
    assert AuditEvent.select().order_by(AuditEvent.id.desc()).get().action == "purchase.create"
    assert doctor_problems() == []


def test_costs_stay_when_the_purchase_says_so(owner, supplier, make_product):
    rice = make_product("Rice", "150.00", stock="0", cost="110")
    purchasing.post_purchase(owner, purchase(supplier, line(rice, 5, "99"), update_cost=False))
    assert Product.get_by_id(rice.id).cost == D(110)


def test_the_same_invoice_twice_from_one_supplier_is_refused(owner, supplier, make_product):
    rice = make_product("Rice", "150.00", stock="0")
    purchasing.post_purchase(owner, purchase(supplier, line(rice, 5, "99"), invoice="A/12"))
    before = counts()
    with pytest.raises(Conflict, match="Invoice A/12 from Sharma Traders is already recorded"):
        purchasing.post_purchase(owner, purchase(supplier, line(rice, 5, "99"), invoice=" A/12 "))
    assert counts() == before
    other = suppliers.create_supplier(owner, SupplierInput("Other Co"))
    purchasing.post_purchase(owner, purchase(other, line(rice, 1, "99"), invoice="A/12"))
    assert Product.get_by_id(rice.id).stock == D(6)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"quantity": "0"}, ValidationError, "quantity: must be more than zero"),
        ({"quantity": "-2"}, ValidationError, "quantity: must be more than zero"),
        ({"quantity": "1.5"}, ValidationError, "whole pcs"),
        ({"cost": "0"}, ValidationError, "unit_cost: must be more than zero"),
        ({"cost": "-5"}, ValidationError, "unit_cost: must be more than zero"),
        ({"product": 999_999}, NotFound, "No product with id 999999"),
        ({"expiry": None}, ValidationError, "tracks expiry"),
        ({"paid": "5000"}, ValidationError, "paid: .* more than the invoice"),
        ({"paid": "-1"}, ValidationError, "paid: must not be negative"),
        ({"invoice": ""}, ValidationError, "invoice_number: is required"),
        ({"method": "gold"}, ValidationError, "method"),
    ],
)
def test_bad_input_is_refused_with_nothing_written(
    owner, supplier, make_product, change, error, message
):
    rice = make_product("Rice", "150.00", stock="3", cost="110")
    oil = make_product("Oil", "180.00", stock="0")
    Product.update(track_expiry=True).where(Product.id == oil.id).execute()
    before = counts()
    first = PurchaseLineRequest(
        change.get("product", rice.id), D(change.get("quantity", "2")), D(change.get("cost", "99"))
    )
    tracked = line(oil, 1, "150", expiry_date=change.get("expiry", TODAY + timedelta(days=30)))
    request = PurchaseRequest(
        supplier.id,
        change.get("invoice", "INV-9"),
        TODAY,
        (first, tracked),
        D(change.get("paid", "10")),
        change.get("method", "cash"),
    )
    with pytest.raises(error, match=message):
        purchasing.post_purchase(owner, request)
    assert counts() == before


def test_inactive_suppliers_and_products_receive_nothing(owner, supplier, make_product):
    rice = make_product("Rice", "150.00", stock="3")
    gone = make_product("Old Soap", "20.00", stock="0", status="inactive")
    before = counts()
    with pytest.raises(Conflict, match="'Old Soap' is inactive"):
        purchasing.post_purchase(owner, purchase(supplier, line(gone, 1, "10")))
    suppliers.set_supplier_active(owner, supplier.id, False)
    before = counts()
    with pytest.raises(Conflict, match="Sharma Traders' is inactive"):
        purchasing.post_purchase(owner, purchase(supplier, line(rice, 1, "10")))
    with pytest.raises(ValidationError, match="future"):
        purchasing.post_purchase(
            owner,
            PurchaseRequest(supplier.id, "X", TODAY + timedelta(days=5), (line(rice, 1, "1"),)),
        )
    assert counts() == before


def test_every_role_receives_goods(owner, supplier, make_product):
    rice = make_product("Rice", "150.00", stock="0")
    staff = actor_for("raju", Role.STAFF, by=owner)
    purchasing.post_purchase(staff, purchase(supplier, line(rice, 2, "100")))
    assert Product.get_by_id(rice.id).stock == D(2)
    with pytest.raises(PermissionDenied):
        checkout.checkout(
            staff, CheckoutRequest(uuid4(), [SaleLineRequest(rice.id, D(1))], tenders=[])
        )


# --- paying suppliers ------------------------------------------------------------------------


def test_payments_lower_the_due_and_an_advance_needs_a_flag(owner, supplier, make_product):
    rice = make_product("Rice", "150.00", stock="0")
    purchasing.post_purchase(owner, purchase(supplier, line(rice, 10, "100")))  # owe 1000
    paid = purchasing.pay_supplier(owner, supplier.id, D("400"), "upi", reference="UTR123")
    assert (paid.supplier.balance, paid.entry.balance_after, paid.advance) == (
        D(600),
        D(600),
        D(0),
    )
    before = counts()
    for amount in ("0", "-5"):
        with pytest.raises(ValidationError, match="amount: must be more than zero"):
            purchasing.pay_supplier(owner, supplier.id, D(amount), "cash")
    with pytest.raises(Conflict, match=r"advance of 100\.00"):
        purchasing.pay_supplier(owner, supplier.id, D("700"), "cash")
    assert counts() == before
    ahead = purchasing.pay_supplier(owner, supplier.id, D("700"), "bank", allow_advance=True)
    assert (ahead.supplier.balance, ahead.advance) == (D(-100), D(100))
    ledger = purchasing.supplier_ledger(supplier.id)
    assert [(e.kind, e.amount, e.balance_after) for e in ledger] == [
        ("payment", D("-700.00"), D("-100.00")),
        ("payment", D("-400.00"), D("600.00")),
        ("purchase", D("1000.00"), D("1000.00")),
    ]
    assert ledger[2].invoice_number == "INV-1"
    ledger_ok(supplier.id)
    assert doctor_problems() == []


def test_purchases_are_listed_by_supplier_and_date(owner, supplier, make_product):
    rice = make_product("Rice", "150.00", stock="0")
    other = suppliers.create_supplier(owner, SupplierInput("Other Co"))
    old = TODAY - timedelta(days=10)
    purchasing.post_purchase(
        owner, PurchaseRequest(supplier.id, "OLD", old, (line(rice, 1, "100"),))
    )
    purchasing.post_purchase(owner, purchase(supplier, line(rice, 2, "100"), invoice="NEW"))
    purchasing.post_purchase(owner, purchase(other, line(rice, 3, "100"), invoice="THEIRS"))
    assert [p.invoice_number for p in purchasing.list_purchases(supplier_id=supplier.id)] == [
        "NEW",
        "OLD",
    ]
    recent = purchasing.list_purchases(day_from=TODAY - timedelta(days=1))
    assert sorted(p.invoice_number for p in recent) == ["NEW", "THEIRS"]
    assert recent[0].line_count == 1 and recent[0].username == "owner"
    assert len(purchasing.list_purchases(limit=1, offset=2)) == 1


def test_cash_from_the_drawer_is_a_payout_of_the_open_shift(owner, supplier, make_product):
    rice = make_product("Rice", "150.00", stock="0")
    shift = Shift.create(terminal="till-1", user=owner.user_id)
    purchasing.post_purchase(
        owner, purchase(supplier, line(rice, 10, "100"), paid="300", reference="R-1")
    )
    purchasing.pay_supplier(owner, supplier.id, D("200"), "cash")
    purchasing.pay_supplier(owner, supplier.id, D("100"), "upi", reference="UTR1")
    payouts = [
        (c.kind, c.amount, c.category) for c in CashMovement.select().order_by(CashMovement.id)
    ]
    assert payouts == [("payout", D(300), "supplier"), ("payout", D(200), "supplier")]
    assert all(c.shift_id == shift.id for c in CashMovement.select())
    references = [e.reference for e in SupplierEntry.select().order_by(SupplierEntry.id)]
    assert references == ["", "R-1", "", "UTR1"]


def test_doctor_finds_a_tampered_supplier_ledger(owner, supplier, make_product):
    rice = make_product("Rice", "150.00", stock="0")
    purchasing.post_purchase(owner, purchase(supplier, line(rice, 10, "100"), paid="300"))
    assert doctor_problems() == []
    Supplier.update(balance=D(1)).where(Supplier.id == supplier.id).execute()
    SupplierEntry.update(balance_after=D(5)).where(SupplierEntry.kind == "payment").execute()
    problems = doctor_problems()
    assert any("supplier balances" in p and "Sharma Traders" in p for p in problems)
    assert any("supplier entry" in p and "balance_after 5" in p for p in problems)


# --- the draft -------------------------------------------------------------------------------


def test_the_draft_survives_and_goes_with_its_purchase(owner, supplier, make_product):
    rice = make_product("Rice", "150.00", stock="0", cost="100")
    product = purchasing.purchase_product(rice.id)
    draft = ReceivingDraft(supplier_id=supplier.id, supplier_name=supplier.name)
    draft.invoice_number, draft.invoice_date = "D-1", TODAY
    draft.add(product, D(3), product.cost)
    draft.add(product, D(2), product.cost)  # the same product again adds to its line
    purchasing.save_draft(owner, draft)

    restored = purchasing.load_draft("till-1")
    assert restored is not None and restored.to_json() == draft.to_json()
    assert restored.lines[0].quantity == D(5)

    purchasing.post_purchase(owner, restored.to_request(D(0), "cash"))
    assert purchasing.load_draft("till-1") is None
    purchasing.save_draft(owner, draft)  # a late save of the posted draft
    assert not PurchaseDraft.select().exists()


# --- several tills at once -------------------------------------------------------------------


def _process(url: str, actor: Actor, work: str, ids: list[int], barrier, out) -> None:
    from posterm.services import system

    try:
        system.open_store(url)
        barrier.wait(timeout=60)
        for n in range(8):
            if work == "buy":
                purchasing.post_purchase(
                    actor,
                    PurchaseRequest(
                        ids[-1],
                        f"{actor.username}-{n}",
                        date.today(),
                        tuple(PurchaseLineRequest(pid, D(5), D("10.00")) for pid in ids[:-1]),
                        D("10.00"),
                    ),
                )
            else:
                checkout.checkout(
                    actor,
                    CheckoutRequest(
                        uuid4(),
                        [SaleLineRequest(pid, D(1)) for pid in reversed(ids)],
                        tenders=[Tender("cash", D(100))],
                    ),
                )
        out.put("ok")
    except BaseException as exc:
        out.put(f"{type(exc).__name__}: {exc}")
    finally:
        system.close()


def test_purchases_and_sales_of_one_product_at_once_keep_the_ledgers(
    db_url, owner, supplier, make_product
):
    milk = make_product("Milk 500ml", "28.00", stock="20", tax="GST 0%")
    bread = make_product("Bread 400g", "20.00", stock="20", tax="GST 0%")
    buyers = [actor_for(f"buyer{n}", Role.STAFF, by=owner) for n in range(2)]
    sellers = [actor_for(f"till{n}", Role.CASHIER, by=owner) for n in range(2)]
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(4), ctx.Queue()
    jobs = [("buy", a, [milk.id, bread.id, supplier.id]) for a in buyers] + [
        ("sell", a, [milk.id, bread.id]) for a in sellers
    ]
    processes = [
        ctx.Process(target=_process, args=(db_url, actor, work, ids, barrier, out))
        for work, actor, ids in jobs
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert results == ["ok"] * 4

    # 20 + 2 buyers x 8 purchases x 5 - 2 tills x 8 sales x 1
    assert [Product.get_by_id(p.id).stock for p in (milk, bread)] == [D(84), D(84)]
    assert Purchase.select().count() == 16
    assert Batch.select().count() == 32
    assert Supplier.get_by_id(supplier.id).balance == D(16 * 100 - 16 * 10)
    ledger_ok(supplier.id)
    assert doctor_problems() == []
