"""The udhaar ledger on both databases: every flow keeps balance == sum of entries and the
balance_after chain; payments, advances, adjustments, write-offs, ageing, statements,
reminders, refusals that write nothing, and tills paying and selling on credit at once."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from posterm.data.models import AuditEvent, CreditEntry, Customer, Payment, Sale
from posterm.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from posterm.domain.permissions import Actor, Permission, Role
from posterm.domain.returns import ReturnLineRequest, ReturnRequest
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import auth, checkout, credit, returns
from posterm.services.settings import set_setting
from tests.conftest import actor_for, doctor_problems

D = Decimal


def sell_on_credit(actor, customer, product, quantity="1", cash=None, cart_id=None):
    tenders = [Tender("cash", D(cash))] if cash else []
    return checkout.checkout(
        actor,
        CheckoutRequest(
            cart_id or uuid4(),
            [SaleLineRequest(product.id, D(quantity))],
            customer_id=customer.id,
            tenders=tenders,
        ),
    )


def assert_ledger_sound(customer) -> list[CreditEntry]:
    """balance == sum of entries, and each balance_after chains from the one before."""
    entries = list(
        CreditEntry.select().where(CreditEntry.customer == customer.id).order_by(CreditEntry.id)
    )
    running = D(0)
    for entry in entries:
        running += entry.amount
        assert entry.balance_after == running, f"entry {entry.id} ({entry.kind})"
    assert Customer.get_by_id(customer.id).balance == running
    assert doctor_problems() == []
    return entries


def written() -> dict[str, int]:
    return {
        "payments": Payment.select().count(),
        "entries": CreditEntry.select().count(),
        "sales": Sale.select().count(),
        "audit": AuditEvent.select().count(),
        "balances": sorted((c.id, c.balance) for c in Customer.select()),
    }


@pytest.fixture
def shop(owner, make_product, make_customer):
    return {
        "rice": make_product("Basmati Rice 1kg", "150.00", stock="100", tax="GST 0%"),
        "ramesh": make_customer("Ramesh Gupta", credit_limit="5000"),
        "cashier": actor_for("asha", Role.CASHIER, by=owner),
        "manager": actor_for("mina", Role.MANAGER, pin="9999", by=owner),
    }


def test_every_flow_keeps_the_ledger_chained(shop, owner):
    rice, ramesh, cashier = shop["rice"], shop["ramesh"], shop["cashier"]
    sale = sell_on_credit(cashier, ramesh, rice, "4")  # 600 on credit
    assert sale.customer_balance == D(600)
    assert_ledger_sound(ramesh)

    slip = credit.take_payment(cashier, ramesh.id, "250", "upi", "UTR991")
    assert (slip.balance_before, slip.amount, slip.balance_after) == (D(600), D(250), D(350))
    payment = Payment.get(Payment.customer == ramesh.id, Payment.sale.is_null())
    assert (payment.method, payment.amount, payment.reference) == ("upi", D(250), "UTR991")
    assert_ledger_sound(ramesh)

    lines = returns.returnable(sale.bill_number).lines
    returns.make_return(
        cashier,
        ReturnRequest(
            uuid4(), sale.bill_number, [ReturnLineRequest(lines[0].line_id, D(1))], "credit"
        ),
    )
    assert_ledger_sound(ramesh)
    credit.adjust(owner, ramesh.id, "20", "old paper khata", raise_balance=True)
    credit.adjust(owner, ramesh.id, "5.50", "rounding off", write_off=True)
    entries = assert_ledger_sound(ramesh)
    assert [e.kind for e in entries] == ["sale", "payment", "return", "adjustment", "write_off"]
    assert Customer.get_by_id(ramesh.id).balance == D("214.50")

    page = credit.ledger(ramesh.id)
    assert [e.kind for e in page] == ["write_off", "adjustment", "return", "payment", "sale"]
    assert page[0].balance_after == D("214.50") and page[0].note == "rounding off"
    assert page[3].reference == "UPI UTR991" and page[4].reference == sale.bill_number
    assert [e.kind for e in credit.ledger(ramesh.id, limit=2, offset=2)] == ["return", "payment"]

    void = returns.void_sale(owner, sale.bill_number, "wrong customer", uuid4())
    assert void.kind == "void"
    assert_ledger_sound(ramesh)


def test_a_payment_above_the_balance_is_an_advance_only_when_allowed(shop, owner):
    rice, ramesh, cashier = shop["rice"], shop["ramesh"], shop["cashier"]
    sell_on_credit(cashier, ramesh, rice, "1")
    before = written()
    with pytest.raises(Conflict, match=r"owes only ₹150.00; the store takes no advances"):
        credit.take_payment(cashier, ramesh.id, "200")
    assert written() == before

    set_setting(owner, "allow_customer_advance", "yes")
    slip = credit.take_payment(cashier, ramesh.id, "200", "cash")
    assert slip.balance_after == D(-50)
    assert credit.balance_totals().advances == D(50)
    # The advance pays the next credit sale first.
    sale = sell_on_credit(cashier, ramesh, rice, "1")
    assert sale.customer_balance == D(100)
    assert credit.ageing(ramesh.id).total == D(100)
    assert_ledger_sound(ramesh)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "amount: .*"),
        ("-5", "amount: must not be negative"),
        ("0", "amount: must be more than zero"),
        (D("NaN"), "amount: not a number"),
        (D("1.005"), "amount: at most 2 decimal places"),
        ("100000000", "amount: must be at most"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_written(shop, amount, message):
    before = written()
    with pytest.raises(ValidationError, match=message):
        credit.take_payment(shop["cashier"], shop["ramesh"].id, amount)
    with pytest.raises(ValidationError, match=message):
        credit.adjust(shop["manager"], shop["ramesh"].id, amount, "a good reason")
    assert written() == before


def test_unknown_customers_methods_and_reasons_are_refused(shop):
    cashier, manager, ramesh = shop["cashier"], shop["manager"], shop["ramesh"]
    before = written()
    with pytest.raises(NotFound, match="No customer with id 99999"):
        credit.take_payment(cashier, 99999, "10")
    with pytest.raises(NotFound):
        credit.take_payment(cashier, "C0001", "10")
    with pytest.raises(ValidationError, match="method: 'cheque' is not accepted"):
        credit.take_payment(cashier, ramesh.id, "10", "cheque")
    with pytest.raises(ValidationError, match="method: 'credit' is not accepted"):
        credit.take_payment(cashier, ramesh.id, "10", "credit")
    with pytest.raises(ValidationError, match="reason: say why"):
        credit.adjust(manager, ramesh.id, "10", " ")
    with pytest.raises(Conflict, match=r"owes 0\.00; cannot write off 10\.00"):
        credit.adjust(manager, ramesh.id, "10", "bad debt", write_off=True)
    with pytest.raises(NotFound):
        credit.ledger(424242)
    assert written() == before


def test_a_blocked_customer_gets_no_credit_but_may_pay(shop, owner, make_customer):
    suresh = make_customer("Suresh Patel", credit_limit="5000", status="blocked", notes="old dues")
    credit.adjust(owner, suresh.id, "300", "dues from the old book", raise_balance=True)
    before = written()
    with pytest.raises(Conflict, match="No credit for Suresh Patel: the customer is blocked"):
        sell_on_credit(shop["cashier"], suresh, shop["rice"])
    assert written() == before
    assert credit.take_payment(shop["cashier"], suresh.id, "100").balance_after == D(200)
    assert_ledger_sound(suresh)


def test_credit_above_the_limit_needs_a_manager(shop, owner, make_customer):
    small = make_customer("Kiran Small", credit_limit="200")
    cashier = shop["cashier"]
    with pytest.raises(PermissionDenied, match=r"would owe 300\.00, limit 200\.00"):
        sell_on_credit(cashier, small, shop["rice"], "2")
    approved = auth.approve(cashier, "mina", "9999", Permission.CREDIT_ABOVE_LIMIT, "regular")
    sale = sell_on_credit(approved, small, shop["rice"], "2")
    assert CreditEntry.get(CreditEntry.sale == sale.id).approved_by.username == "mina"
    assert_ledger_sound(small)


def test_write_off_needs_a_manager_and_is_audited(shop):
    rice, ramesh, cashier = shop["rice"], shop["ramesh"], shop["cashier"]
    sell_on_credit(cashier, ramesh, rice, "2")
    before = written()
    with pytest.raises(PermissionDenied):
        credit.adjust(cashier, ramesh.id, "300", "moved away", write_off=True)
    assert written() == before
    approved = auth.approve(cashier, "mina", "9999", Permission.WRITE_OFF_CREDIT, "moved away")
    slip = credit.adjust(approved, ramesh.id, "300", "moved away", write_off=True)
    assert (slip.kind, slip.balance_after) == ("write_off", D(0))
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.reason, event.approved_by.username) == (
        "credit.write_off",
        "moved away",
        "mina",
    )
    assert CreditEntry.select().order_by(CreditEntry.id.desc()).get().approved_by.username == "mina"
    assert_ledger_sound(ramesh)


def _backdate(customer, days_ago: int) -> None:
    """Moves the customer's latest entry `days_ago` days into the past."""
    entry = (
        CreditEntry.select()
        .where(CreditEntry.customer == customer.id)
        .order_by(CreditEntry.id.desc())
        .get()
    )
    when = datetime.now(UTC) - timedelta(days=days_ago)
    CreditEntry.update(created_at=when).where(CreditEntry.id == entry.id).execute()


def test_ageing_and_the_list_sorted_by_amount_and_oldest(shop, owner, make_customer):
    rice, ramesh, cashier = shop["rice"], shop["ramesh"], shop["cashier"]
    anil = make_customer("Anil Kumar", credit_limit="5000")
    sell_on_credit(cashier, ramesh, rice, "2")  # 300, 100 days ago
    _backdate(ramesh, 100)
    sell_on_credit(cashier, ramesh, rice, "1")  # 150, 45 days ago
    _backdate(ramesh, 45)
    sell_on_credit(cashier, ramesh, rice, "1")  # 150, today
    credit.take_payment(cashier, ramesh.id, "350")  # pays the 300 and 50 of the 150
    sell_on_credit(cashier, anil, rice, "5")  # 750, 10 days ago
    _backdate(anil, 10)

    aged = credit.ageing(ramesh.id)
    assert aged.buckets == (D(150), D(100), D(0), D(0))
    assert aged.oldest == (datetime.now(UTC) - timedelta(days=45)).astimezone(credit._zone()).date()

    by_amount = credit.customer_balances("amount")
    assert [(c.name, c.balance) for c in by_amount] == [
        ("Anil Kumar", D(750)),
        ("Ramesh Gupta", D(250)),
    ]
    by_oldest = credit.customer_balances("oldest")
    assert [c.name for c in by_oldest] == ["Ramesh Gupta", "Anil Kumar"]
    assert by_oldest[0].oldest_unpaid == aged.oldest
    assert [c.name for c in credit.customer_balances("oldest", limit=1, offset=1)] == ["Anil Kumar"]
    totals = credit.balance_totals()
    assert (totals.customers, totals.owed) == (2, D(1000))
    with pytest.raises(ValidationError, match="sort"):
        credit.customer_balances("biggest")


def test_statement_on_paper_screen_and_csv(shop, tmp_path):
    rice, ramesh, cashier = shop["rice"], shop["ramesh"], shop["cashier"]
    sell_on_credit(cashier, ramesh, rice, "2")
    _backdate(ramesh, 40)
    sell_on_credit(cashier, ramesh, rice, "1")
    credit.take_payment(cashier, ramesh.id, "100", "cash")
    today = datetime.now(credit._zone()).date()

    account = credit.statement(ramesh.id, today - timedelta(days=7), today)
    assert account.opening == D(300) and account.closing == D(350)
    assert [e.kind for e in account.entries] == ["sale", "payment"]
    path = credit.write_statement_csv(account, tmp_path)
    lines = path.read_text().splitlines()
    assert lines[1].endswith(",opening,,,,,300.00") and lines[-1].endswith(",closing,,,,,350.00")
    with pytest.raises(ValidationError, match="dates"):
        credit.statement(ramesh.id, today, today - timedelta(days=1))

    text = credit.reminder(ramesh.id)
    assert "Ramesh Gupta" in text and "₹350.00" in text and "Test Store" in text
    since = (today - timedelta(days=40)).strftime("%d %b %Y")
    assert since in text


# --- tills paying and selling on credit at once ---------------------------------------------


def _till(url: str, actor: Actor, customer_id: int, product_id: int, rounds: int, barrier, out):
    from posterm.services import system

    try:
        system.open_store(url)
        barrier.wait(timeout=60)
        for n in range(rounds):
            if n % 2:
                credit.take_payment(actor, customer_id, "10.00", "cash")
            else:
                checkout.checkout(
                    actor,
                    CheckoutRequest(
                        uuid4(), [SaleLineRequest(product_id, D(1))], customer_id=customer_id
                    ),
                )
        out.put("ok")
    except BaseException as exc:
        out.put(f"{type(exc).__name__}: {exc}")
    finally:
        system.close()


def test_tills_paying_and_selling_on_credit_at_once_lose_nothing(db_url, owner, shop, make_product):
    cheap = make_product("Matchbox", "25.00", stock="1000", tax="GST 0%")
    ramesh = shop["ramesh"]
    tills = [actor_for(f"till{n}", Role.CASHIER, by=owner) for n in range(3)]
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(len(tills)), ctx.Queue()
    rounds = 12
    processes = [
        ctx.Process(target=_till, args=(db_url, a, ramesh.id, cheap.id, rounds, barrier, out))
        for a in tills
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert results == ["ok"] * len(tills)
    # 3 tills x 6 sales of 25 on credit, 3 x 6 payments of 10.
    entries = assert_ledger_sound(ramesh)
    assert len(entries) == 36
    assert Customer.get_by_id(ramesh.id).balance == D(3 * 6 * 25 - 3 * 6 * 10)
