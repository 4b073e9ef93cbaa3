"""Reports on both databases, each checked against totals computed here from the raw rows.

The data goes through the real checkout and returns services: a cash sale, a split tender, a
credit sale, a partial return and a void; one bill is moved to just after a local midnight so
the days are seen to be cut in the store's timezone, not in UTC.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from posterm.data.models import (
    CashMovement,
    Customer,
    Payment,
    Product,
    Sale,
    SaleLine,
    Shift,
    Supplier,
    SupplierEntry,
)
from posterm.domain.errors import NotFound, PermissionDenied, ValidationError
from posterm.domain.money import quantize_money
from posterm.domain.permissions import Role
from posterm.domain.receipt import render_text
from posterm.domain.reports import csv_rows, render_table, report_document
from posterm.services import credit, reports, returns
from tests.conftest import actor_for
from tests.services.test_returns import give_back, sell

D = Decimal
ZONE = ZoneInfo("Asia/Kolkata")


def local_day(at: datetime):
    return at.astimezone(ZONE).date()


def move(sale_id: int, when: datetime) -> None:
    """Moves a document (and its lines and payments) to another moment, as if made then."""
    Sale.update(created_at=when).where(Sale.id == sale_id).execute()
    SaleLine.update(created_at=when).where(SaleLine.sale == sale_id).execute()
    Payment.update(created_at=when).where(Payment.sale == sale_id).execute()


@pytest.fixture
def shop(owner, make_product, make_customer):
    salt = make_product("Tata Salt 1kg", "28.00", stock="50", tax="GST 5%", cost="20.00")
    soap = make_product("Lux Soap", "45.00", stock="40", tax="GST 18%", cost="30.00")
    rice = make_product("Basmati Rice 1kg", "110.00", stock="30", tax="GST 0%", cost="90.00")
    ramesh = make_customer("Ramesh Gupta", credit_limit="2000")
    cashier = actor_for("asha", Role.CASHIER, by=owner)

    cash_sale = sell(cashier, (salt, 3), (soap, 2), tenders=[("cash", "500")])
    split = sell(owner, (rice, 2), (salt, 1), tenders=[("upi", "100"), ("cash", "148")])
    on_credit = sell(owner, (soap, 4), (rice, 1), customer=ramesh, tenders=[("credit", "290")])
    give_back(owner, cash_sale, (1, 1), refund="cash")
    returns.void_sale(owner, split.bill_number, "keyed twice", uuid4())
    # Yesterday, just after local midnight (18:40 UTC is 00:10 in Kolkata).
    today = reports.store_today()
    yesterday = today - timedelta(days=1)
    late = sell(cashier, (rice, 1), tenders=[("cash", "110")])
    move(
        late.id,
        datetime.combine(yesterday - timedelta(days=1), datetime.min.time(), UTC).replace(
            hour=18, minute=40
        ),
    )

    shift = Shift.create(terminal="till-1", user=owner.user_id)
    CashMovement.create(
        shift=shift, kind="expense", amount=D("75.50"), category="tea", user=owner.user_id
    )
    CashMovement.create(
        shift=shift, kind="expense", amount=D("24.50"), category="tea", user=owner.user_id
    )
    CashMovement.create(shift=shift, kind="cash_out", amount=D("1000"), user=owner.user_id)
    agro = Supplier.create(name="Agro Traders", balance=D("1500"))
    SupplierEntry.create(
        supplier=agro,
        kind="purchase",
        amount=D("2000"),
        balance_after=D("2000"),
        user=owner.user_id,
    )
    SupplierEntry.create(
        supplier=agro,
        kind="payment",
        amount=D("-500"),
        balance_after=D("1500"),
        user=owner.user_id,
    )
    return {
        "today": today,
        "yesterday": yesterday,
        "ramesh": ramesh,
        "on_credit": on_credit,
        "cashier": cashier,
    }


def run(owner, name, first, last):
    return reports.run_report(owner, name, first, last)


def by_label(report):
    return {row[0]: row for row in report.rows}


def test_sales_by_day_cuts_local_days_and_nets_returns_and_voids(owner, shop):
    first, last = shop["yesterday"], shop["today"]
    report = run(owner, "sales-by-day", first, last)

    expected = defaultdict(lambda: defaultdict(Decimal))
    for sale in Sale.select():
        day = local_day(sale.created_at)
        expected[day][sale.kind] += sale.total
        expected[day]["bills"] += sale.kind == "sale"
        expected[day]["tax"] += sale.tax_total
    assert set(expected) == {first, last}  # the moved bill counts on its local day
    rows = by_label(report)
    for day, figures in expected.items():
        row = rows[f"{day:%d-%m-%Y %a}"]
        assert row[1:] == (
            figures["bills"],
            figures["sale"],
            figures["return"],
            figures["void"],
            figures["sale"] + figures["return"] + figures["void"],
            figures["tax"],
        )
    assert report.totals[5] == sum(s.total for s in Sale.select())
    assert report.totals[3] < 0 and report.totals[4] < 0  # returns and voids are negative
    # A range of only today leaves yesterday's bill out.
    assert len(run(owner, "sales-by-day", last, last).rows) == 1


def test_sales_by_hour_adds_up_to_the_days(owner, shop):
    report = run(owner, "sales-by-hour", shop["yesterday"], shop["today"])
    expected = defaultdict(Decimal)
    for sale in Sale.select():
        expected[sale.created_at.astimezone(ZONE).hour] += sale.total
    assert {int(row[0][:2]): row[2] for row in report.rows} == dict(expected)
    assert by_label(report)["00:00-00:59"][1] >= 1  # the bill at 00:10 local


def test_sales_by_item_and_category_match_the_lines(owner, shop):
    first, last = shop["yesterday"], shop["today"]
    items = run(owner, "sales-by-item", first, last)
    expected = defaultdict(lambda: [Decimal(0)] * 4)
    for line in SaleLine.select():
        sums = expected[line.code]
        sums[0] += line.quantity
        sums[1] += line.line_total
        sums[2] += line.tax_amount
        sums[3] += line.cost_total
    got = {row[0]: [row[2], row[3], row[4], row[5]] for row in items.rows}
    assert got == {code: sums for code, sums in expected.items()}
    assert items.rows[0][3] == max(s[1] for s in expected.values())  # best seller first

    categories = run(owner, "sales-by-category", first, last)
    assert categories.totals[4] == sum(line.line_total for line in SaleLine.select())
    assert categories.totals[2] == sum(line.taxable_value for line in SaleLine.select())


def test_sales_by_cashier_and_by_payment_method(owner, shop):
    first, last = shop["yesterday"], shop["today"]
    cashiers = run(owner, "sales-by-cashier", first, last)
    expected = defaultdict(Decimal)
    for sale in Sale.select():
        expected[sale.user.full_name or sale.user.username] += sale.total
    assert {row[0]: row[5] for row in cashiers.rows} == dict(expected)

    methods = run(owner, "sales-by-payment", first, last)
    signed = defaultdict(Decimal)
    for payment in Payment.select().where(Payment.sale.is_null(False)):
        signed[payment.method] += -payment.amount if payment.direction == "out" else payment.amount
    assert {row[0]: row[4] for row in methods.rows} == dict(signed)
    assert set(signed) >= {"cash", "upi", "credit"}
    # Every tender nets to the bills' totals (change is never a tender).
    assert methods.totals[4] == sum(s.total for s in Sale.select())
    assert by_label(methods)["credit"][4] == shop["on_credit"].total


def test_tax_summary_per_rate_and_hsn(owner, shop):
    report = run(owner, "tax-summary", shop["yesterday"], shop["today"])
    expected = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in SaleLine.select():
        expected[(line.tax_rate, line.hsn_code)][0] += line.taxable_value
        expected[(line.tax_rate, line.hsn_code)][1] += line.tax_amount
    got = {(D(row[0].rstrip("%")), row[1]): [row[2], row[3]] for row in report.rows}
    assert got == dict(expected)
    assert report.totals[3] == sum(s.tax_total for s in Sale.select())


def test_profit_and_loss_nets_returns_voids_and_expenses(owner, shop):
    found = by_label(run(owner, "profit-and-loss", shop["yesterday"], shop["today"]))
    report = {label: (label, quantize_money(amount, 2)) for label, (_l, amount) in found.items()}
    assert report == found  # shown at the currency's places
    lines = list(SaleLine.select(SaleLine, Sale.kind).join(Sale).objects())
    sold = sum(line.taxable_value for line in lines if line.kind == "sale")
    reversed_ = sum(line.taxable_value for line in lines if line.kind != "sale")
    cost = sum(line.cost_total for line in lines)
    expenses = D("100.00")  # the cash_out is not an expense
    assert report["Sales (before tax)"][1] == sold
    assert report["Returns and voids"][1] == reversed_ < 0
    assert report["Cost of goods sold"][1] == -cost
    assert report["Gross profit"][1] == sold + reversed_ - cost
    assert report["Expenses"][1] == -expenses
    assert report["Net profit"][1] == sold + reversed_ - cost - expenses


def test_inventory_valuation_credit_and_supplier_dues(owner, shop):
    today = shop["today"]
    stock = run(owner, "inventory-valuation", today, today)
    products = [p for p in Product.select() if p.stock > 0]
    assert stock.totals[3] == sum(p.stock * p.cost for p in products)
    assert stock.totals[4] == sum(p.stock * p.price for p in products)

    owed = run(owner, "credit-outstanding", today, today)
    ramesh = Customer.get_by_id(shop["ramesh"].id)
    row = by_label(owed)["Ramesh Gupta"]
    assert row[2] == ramesh.balance > 0
    assert row[3:] == credit.ageing(ramesh.id, today).buckets
    assert owed.totals[2] == sum(c.balance for c in Customer.select() if c.balance > 0)

    dues = by_label(run(owner, "supplier-dues", today, today))
    assert dues["Agro Traders"][2:] == (D(2000), D(500), D(1500))


def test_dashboard_figures_for_today(owner, shop):
    board = reports.dashboard(shop["cashier"])
    todays = [s for s in Sale.select() if local_day(s.created_at) == shop["today"]]
    assert board.net_sales == sum(s.total for s in todays)
    assert board.bills == sum(1 for s in todays if s.kind == "sale")
    tenders = dict(board.tenders)
    assert tenders["credit"] == shop["on_credit"].total
    assert sum(tenders.values()) == board.net_sales
    assert (board.customers_owing, board.credit_owed) == (
        1,
        Customer.get_by_id(shop["ramesh"].id).balance,
    )
    assert (board.new_customers, board.expiring) == (1, 0)
    assert board.low_stock == sum(1 for p in Product.select() if p.stock <= p.min_stock)
    assert board.top_items[0][0] in {"Lux Soap", "Basmati Rice 1kg"}
    assert len(board.trend) == reports.TREND_DAYS and board.trend[-1] == board.net_sales


def test_permissions_names_and_ranges(owner, shop):
    today = shop["today"]
    with pytest.raises(PermissionDenied):
        reports.run_report(shop["cashier"], "sales-by-day", today, today)
    with pytest.raises(NotFound):
        reports.run_report(owner, "sales-by-weather", today, today)
    with pytest.raises(ValidationError, match="before the first"):
        reports.run_report(owner, "sales-by-day", today, today - timedelta(days=1))
    manager = actor_for("meena", Role.MANAGER, by=owner)
    for name, _title in reports.report_names():
        report = reports.run_report(manager, name, shop["yesterday"], today)
        assert report.name == name
        text = render_table(report)
        assert report.title in text
        assert csv_rows(report)[0] == [c.label for c in report.columns]
        assert "Test Store" in render_text(report_document(report, "Test Store", 42))


def test_ranges_split_where_daylight_saving_changes_the_offset():
    from datetime import date

    london = ZoneInfo("Europe/London")  # summer time from 29-03-2026
    assert list(reports._segments(date(2026, 3, 27), date(2026, 3, 31), london)) == [
        (date(2026, 3, 27), date(2026, 3, 28), 0),
        (date(2026, 3, 29), date(2026, 3, 29), 0),  # the day of the change stands alone
        (date(2026, 3, 30), date(2026, 3, 31), 60),
    ]
    assert list(reports._segments(date(2026, 1, 1), date(2026, 12, 31), ZONE)) == [
        (date(2026, 1, 1), date(2026, 12, 31), 330)
    ]


def test_expenses_stock_movements_and_reorder(owner, shop):
    from posterm.data.models import StockMovement
    from posterm.domain.stock import suggested_reorder

    first, last = shop["yesterday"], shop["today"]
    spent = run(owner, "expenses", first, last)
    assert spent.rows == (("tea", 2, D("100.00")),)

    moves = run(owner, "stock-movements", first, last)
    expected = defaultdict(Decimal)
    for move_ in StockMovement.select():
        expected[move_.product.code] += move_.quantity
    assert {row[0]: row[5] for row in moves.rows} == dict(expected)
    sold = defaultdict(Decimal)
    for move_ in StockMovement.select().where(StockMovement.kind.in_(("sale", "return", "void"))):
        sold[move_.product.code] += move_.quantity
    assert {row[0]: row[3] for row in moves.rows} == dict(sold)

    Product.update(min_stock=D(60), reorder_qty=D(24)).where(
        Product.name == "Tata Salt 1kg"
    ).execute()
    salt = Product.get(Product.name == "Tata Salt 1kg")
    wanted = by_label(run(owner, "reorder", first, last))[salt.code]
    sold_salt = -sum(
        m.quantity
        for m in StockMovement.select().where(
            (StockMovement.product == salt.id) & StockMovement.kind.in_(("sale", "return", "void"))
        )
    )
    assert wanted[2:5] == (salt.stock, D(60), sold_salt)
    assert wanted[5] == suggested_reorder(salt.stock, D(60), D(24), sold_salt, whole_units=True)


def test_credit_outstanding_ages_like_the_ledger_of_each_customer(owner):
    """The report ages every customer in one query; each row must equal credit.ageing, which
    walks the customer's ledger: debts, part payments, advances, returns, paid-off accounts."""
    import random

    from posterm.data.models import CreditEntry

    rng = random.Random(7)
    today = reports.store_today()
    now = datetime.now(UTC)
    for number in range(30):
        customer = Customer.create(
            code=f"AGE{number}", name=f"Ageing {number:02d}", search_name=f"ageing {number:02d}"
        )
        balance = D(0)
        days_ago = sorted(rng.sample(range(0, 200), rng.randint(1, 12)), reverse=True)
        for index, days in enumerate(days_ago):
            if index == 0 and number % 5 == 0:
                amount = -D(rng.randint(1, 300))  # an advance before any debt
            elif rng.random() < 0.6:
                amount = D(rng.randint(1, 900)) + D("0.25")
            else:
                amount = -min(max(balance, D(1)), D(rng.randint(1, 700)))
            balance += amount
            CreditEntry.create(
                created_at=now - timedelta(days=days, minutes=rng.randint(0, 600)),
                customer=customer,
                kind="sale" if amount > 0 else "payment",
                amount=amount,
                balance_after=balance,
                user=owner.user_id,
            )
        if number % 7 == 0 and balance > 0:  # paid off: no longer on the report
            CreditEntry.create(
                customer=customer,
                kind="payment",
                amount=-balance,
                balance_after=D(0),
                user=owner.user_id,
            )
            balance = D(0)
        Customer.update(balance=balance).where(Customer.id == customer.id).execute()

    for last in (today, today - timedelta(days=45)):
        report = by_label(run(owner, "credit-outstanding", last - timedelta(days=30), last))
        owing = [c for c in Customer.select() if c.balance > 0]
        assert sorted(report) == sorted(c.name for c in owing)
        for customer in owing:
            row = report[customer.name]
            assert row[2] == customer.balance
            assert row[3:] == credit.ageing(customer.id, last).buckets
            assert sum(row[3:]) == customer.balance
