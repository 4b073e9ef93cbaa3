"""Reports on both databases, each checked against totals computed here from the raw rows.

The data goes through the real checkout, returns and credit services: a cash sale, a split
tender, two credit sales (one 45 days old), a partial return, a void and a payment of credit;
one bill is moved to just after a local midnight so the days are seen to be cut in the
store's timezone, not in UTC. The expected figures are summed here from the raw rows.
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
    CreditEntry,
    Customer,
    Payment,
    Product,
    Sale,
    SaleLine,
    Shift,
    StockMovement,
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
    """Moves a document (its lines, payments, stock and credit entries) to another moment."""
    for table in (SaleLine, Payment, StockMovement, CreditEntry):
        table.update(created_at=when).where(table.sale == sale_id).execute()
    Sale.update(created_at=when).where(Sale.id == sale_id).execute()


def utc_midday(day) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC).replace(hour=6)


def end_of(day) -> datetime:
    """The UTC moment the local `day` ends."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), ZONE).astimezone(UTC)


def aged_by_hand(customer_id: int, before: datetime, today) -> tuple[Decimal, ...]:
    """0-30, 31-60, 61-90, 90+ days: each credit pays off the oldest debt first."""
    debts = []  # [day, unpaid], oldest first
    entries = CreditEntry.select().where(
        (CreditEntry.customer == customer_id) & (CreditEntry.created_at < before)
    )
    for entry in entries.order_by(CreditEntry.created_at, CreditEntry.id):
        if entry.amount > 0:
            debts.append([local_day(entry.created_at), entry.amount])
            continue
        paying = -entry.amount
        for debt in debts:
            used = min(debt[1], paying)
            debt[1] -= used
            paying -= used
    buckets = [Decimal(0)] * 4
    for day, unpaid in debts:
        age = (today - day).days
        buckets[0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3] += unpaid
    return tuple(buckets)


@pytest.fixture
def shop(owner, make_product, make_customer):
    salt = make_product("Tata Salt 1kg", "28.00", stock="50", tax="GST 5%", cost="20.00")
    soap = make_product("Lux Soap", "45.00", stock="40", tax="GST 18%", cost="30.00")
    rice = make_product("Basmati Rice 1kg", "110.00", stock="30", tax="GST 0%", cost="90.00")
    ramesh = make_customer("Ramesh Gupta", credit_limit="2000")
    cashier = actor_for("asha", Role.CASHIER, by=owner)
    today = reports.store_today()
    yesterday = today - timedelta(days=1)

    # Ramesh's first udhaar, 45 days ago (made first, so the ledger's order is the days').
    old_credit = sell(owner, (salt, 5), customer=ramesh, tenders=[("credit", "140")])
    move(old_credit.id, utc_midday(today - timedelta(days=45)))
    cash_sale = sell(cashier, (salt, 3), (soap, 2), tenders=[("cash", "500")])
    split = sell(owner, (rice, 2), (salt, 1), tenders=[("upi", "100"), ("cash", "148")])
    on_credit = sell(owner, (soap, 4), (rice, 1), customer=ramesh, tenders=[("credit", "290")])
    give_back(owner, cash_sale, (1, 1), refund="cash")
    # One soap back onto the udhaar (45.00 at the bill's price; the return's own rounding of
    # the line's tax may differ by a paisa, so the figures below use its total).
    credit_return = give_back(owner, on_credit, (1, 1), refund="credit")
    returns.void_sale(owner, split.bill_number, "keyed twice", uuid4())
    credit.take_payment(owner, ramesh.id, "50", "cash")  # pays the oldest debt first
    # Yesterday, just after local midnight (18:40 UTC is 00:10 in Kolkata).
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
        created_at=utc_midday(today - timedelta(days=3)),
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
        "credit_back": -credit_return.total,
        "cashier": cashier,
    }


def run(owner, name, first, last):
    return reports.run_report(owner, name, first, last)


def by_label(report):
    return {row[0]: row for row in report.rows}


def within(at: datetime, first, last) -> bool:
    return first <= local_day(at) <= last


def sales_in(first, last) -> list[Sale]:
    return [s for s in Sale.select() if within(s.created_at, first, last)]


def lines_in(first, last) -> list[SaleLine]:
    rows = SaleLine.select(SaleLine, Sale).join(Sale)
    return [line for line in rows if within(line.sale.created_at, first, last)]


def test_sales_by_day_cuts_local_days_and_nets_returns_and_voids(owner, shop):
    first, last = shop["yesterday"], shop["today"]
    report = run(owner, "sales-by-day", first, last)

    expected = defaultdict(lambda: defaultdict(Decimal))
    for sale in sales_in(first, last):
        day = local_day(sale.created_at)
        expected[day][sale.kind] += sale.total
        expected[day]["bills"] += sale.kind == "sale"
        expected[day]["tax"] += sale.tax_total
    assert set(expected) == {first, last}  # the moved bill counts on its local day
    rows = by_label(report)
    assert len(rows) == 2  # the bill of 45 days ago is outside the range
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
    assert report.totals[5] == sum(s.total for s in sales_in(first, last))
    assert report.totals[3] < 0 and report.totals[4] < 0  # returns and voids are negative
    # A range of only today leaves yesterday's bill out.
    assert len(run(owner, "sales-by-day", last, last).rows) == 1


def test_sales_by_hour_adds_up_to_the_days(owner, shop):
    first, last = shop["yesterday"], shop["today"]
    report = run(owner, "sales-by-hour", first, last)
    expected = defaultdict(lambda: [0, Decimal(0)])
    for sale in sales_in(first, last):
        hour = expected[sale.created_at.astimezone(ZONE).hour]
        hour[0] += sale.kind == "sale"
        hour[1] += sale.total
    assert {int(row[0][:2]): [row[1], row[2]] for row in report.rows} == dict(expected)
    assert by_label(report)["00:00-00:59"][1] >= 1  # the bill at 00:10 local


def test_sales_by_item_and_category_match_the_lines(owner, shop):
    first, last = shop["yesterday"], shop["today"]
    items = run(owner, "sales-by-item", first, last)
    expected = defaultdict(lambda: [Decimal(0)] * 5)
    for line in lines_in(first, last):
        sums = expected[line.code]
        sums[0] += line.quantity
        sums[1] += line.line_total
        sums[2] += line.tax_amount
        sums[3] += line.cost_total
        sums[4] += line.taxable_value - line.cost_total
    got = {row[0]: list(row[2:]) for row in items.rows}
    assert got == {code: sums for code, sums in expected.items()}
    assert items.rows[0][3] == max(s[1] for s in expected.values())  # best seller first

    categories = run(owner, "sales-by-category", first, last)
    by_category = defaultdict(lambda: [Decimal(0)] * 4)
    for line in lines_in(first, last):
        product = Product.get_by_id(line.product_id)
        sums = by_category[product.category.name if product.category_id else "(none)"]
        sums[0] += line.quantity
        sums[1] += line.taxable_value
        sums[2] += line.tax_amount
        sums[3] += line.line_total
    assert {row[0]: list(row[1:]) for row in categories.rows} == dict(by_category)
    assert categories.totals[4] == sum(line.line_total for line in lines_in(first, last))


def test_sales_by_cashier_and_by_payment_method(owner, shop):
    first, last = shop["yesterday"], shop["today"]
    cashiers = run(owner, "sales-by-cashier", first, last)
    expected = defaultdict(lambda: [0, Decimal(0), 0, Decimal(0), Decimal(0)])
    for sale in sales_in(first, last):
        sums = expected[sale.user.full_name or sale.user.username]
        if sale.kind == "sale":
            sums[0] += 1
            sums[1] += sale.total
        else:
            sums[2] += 1
            sums[3] += sale.total
        sums[4] += sale.total
    assert {row[0]: list(row[1:]) for row in cashiers.rows} == dict(expected)
    assert len(expected) == 2  # the owner and asha

    methods = run(owner, "sales-by-payment", first, last)
    tenders = defaultdict(lambda: [0, Decimal(0), Decimal(0), Decimal(0)])
    for payment in Payment.select().where(Payment.sale.is_null(False)):
        if not within(payment.created_at, first, last):
            continue
        sums = tenders[payment.method]
        sums[0] += 1
        sums[1 if payment.direction == "in" else 2] += payment.amount
        sums[3] += payment.amount if payment.direction == "in" else -payment.amount
    assert {row[0]: list(row[1:]) for row in methods.rows} == dict(tenders)
    assert set(tenders) >= {"cash", "upi", "credit"}
    # Every tender nets to the bills' totals (change is never a tender; the customer's
    # payment of credit is no sale and is left out).
    assert methods.totals[4] == sum(s.total for s in sales_in(first, last))
    back = shop["credit_back"]
    assert by_label(methods)["credit"][2:] == (D(290), back, D(290) - back)  # sold, returned


def test_tax_summary_per_rate_and_hsn(owner, shop):
    first, last = shop["yesterday"], shop["today"]
    report = run(owner, "tax-summary", first, last)
    expected = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines_in(first, last):
        expected[(line.tax_rate, line.hsn_code)][0] += line.taxable_value
        expected[(line.tax_rate, line.hsn_code)][1] += line.tax_amount
    got = {(D(row[0].rstrip("%")), row[1]): [row[2], row[3]] for row in report.rows}
    assert got == dict(expected)
    assert report.totals[3] == sum(s.tax_total for s in sales_in(first, last))


def test_profit_and_loss_nets_returns_voids_and_expenses(owner, shop):
    first, last = shop["yesterday"], shop["today"]
    found = by_label(run(owner, "profit-and-loss", first, last))
    report = {label: (label, quantize_money(amount, 2)) for label, (_l, amount) in found.items()}
    assert report == found  # shown at the currency's places
    lines = lines_in(first, last)
    sold = sum(line.taxable_value for line in lines if line.sale.kind == "sale")
    reversed_ = sum(line.taxable_value for line in lines if line.sale.kind != "sale")
    cost = sum(line.cost_total for line in lines)
    expenses = sum(
        m.amount
        for m in CashMovement.select()
        if m.kind == "expense" and within(m.created_at, first, last)
    )
    assert expenses == D("100.00")  # the cash_out is not an expense
    assert report["Sales (before tax)"][1] == sold
    assert report["Returns and voids"][1] == reversed_ < 0
    assert report["Cost of goods sold"][1] == quantize_money(-cost, 2)
    assert report["Gross profit"][1] == quantize_money(sold + reversed_ - cost, 2)
    assert report["Expenses"][1] == -expenses
    assert report["Net profit"][1] == quantize_money(sold + reversed_ - cost - expenses, 2)


def test_inventory_valuation_is_stamped_as_of_now(owner, shop):
    today = shop["today"]
    stock = run(owner, "inventory-valuation", today - timedelta(days=30), today)
    products = [p for p in Product.select() if p.stock > 0]
    assert stock.totals[3] == sum(p.stock * p.cost for p in products)
    assert stock.totals[4] == sum(p.stock * p.price for p in products)
    # Stock on hand is now, whatever the dates: every copy of the report says so.
    now = datetime.now(ZONE).replace(tzinfo=None)
    assert abs(stock.as_of.replace(tzinfo=None) - now) < timedelta(minutes=2)
    stamp = f"as of {stock.as_of:%d-%m-%Y %H:%M}"
    assert stock.period == stamp
    assert render_table(stock).splitlines()[0] == f"Inventory valuation, {stamp}"
    assert stamp in render_text(report_document(stock, "Test Store", 42))
    table = csv_rows(stock)
    assert table[0][-1] == "As of"
    assert {row[-1] for row in table[1:]} == {f"{stock.as_of:%Y-%m-%d %H:%M}"}
    # A report bounded by its dates carries no stamp.
    days = run(owner, "sales-by-day", today, today)
    assert days.as_of is None and csv_rows(days)[0][-1] == "Tax"


def test_credit_outstanding_at_the_close_of_the_last_day(owner, shop):
    today, yesterday = shop["today"], shop["yesterday"]
    for last in (today, yesterday):
        report = run(owner, "credit-outstanding", last, last)
        before = end_of(last)
        owed = defaultdict(Decimal)
        for entry in CreditEntry.select().where(CreditEntry.created_at < before):
            owed[entry.customer_id] += entry.amount
        expected = {
            Customer.get_by_id(cid).name: (balance, *aged_by_hand(cid, before, last))
            for cid, balance in owed.items()
            if balance > 0
        }
        assert {row[0]: row[2:] for row in report.rows} == expected
        assert report.totals[2] == sum(balance for balance, *_ in expected.values())
        assert f"{last:%d-%m-%Y}" in report.note
    ramesh = Customer.get_by_id(shop["ramesh"].id)
    now = by_label(run(owner, "credit-outstanding", today, today))["Ramesh Gupta"]
    back = shop["credit_back"]
    assert now[2] == ramesh.balance == D(140) + D(290) - back - D(50)
    assert now[3:] == (D(290), D(140) - back - D(50), 0, 0)  # the old debt was paid first
    assert now[3:] == credit.ageing(ramesh.id, today).buckets
    # At yesterday's close only the old debt was there, all of it.
    past = by_label(run(owner, "credit-outstanding", yesterday, yesterday))["Ramesh Gupta"]
    assert past[2:] == (D("140.00"), 0, D("140.00"), 0, 0)


def test_supplier_dues_in_the_range_and_owed_at_its_close(owner, shop):
    today, yesterday = shop["today"], shop["yesterday"]
    for first, last in ((today, today), (yesterday, yesterday), (today - timedelta(9), today)):
        report = run(owner, "supplier-dues", first, last)
        expected = {}
        for supplier in Supplier.select():
            entries = [e for e in supplier.entries if e.created_at < end_of(last)]
            ranged = [e for e in entries if within(e.created_at, first, last)]
            bought = sum(e.amount for e in ranged if e.kind == "purchase")
            paid = -sum(e.amount for e in ranged if e.kind == "payment")
            owed = sum(e.amount for e in entries)
            if owed or bought or paid:
                expected[supplier.name] = (D(bought), D(paid), D(owed))
        assert {row[0]: row[2:] for row in report.rows} == expected
    assert by_label(run(owner, "supplier-dues", yesterday, yesterday))["Agro Traders"][2:] == (
        0,
        0,
        D(2000),
    )
    week = by_label(run(owner, "supplier-dues", today - timedelta(9), today))
    assert week["Agro Traders"][2:] == (D(2000), D(500), D(1500))


def test_dashboard_figures_for_today(owner, shop):
    board = reports.dashboard(shop["cashier"])
    todays = [s for s in Sale.select() if local_day(s.created_at) == shop["today"]]
    assert board.net_sales == sum(s.total for s in todays)
    assert board.bills == sum(1 for s in todays if s.kind == "sale")
    tenders = dict(board.tenders)
    assert tenders["credit"] == shop["on_credit"].total - shop["credit_back"]  # less the return
    assert sum(tenders.values()) == board.net_sales
    owed = defaultdict(Decimal)
    for entry in CreditEntry.select():
        owed[entry.customer_id] += entry.amount
    assert (board.customers_owing, board.credit_owed) == (
        sum(1 for b in owed.values() if b > 0),
        sum(b for b in owed.values() if b > 0),
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
        stamped = ["As of"] if report.as_of else []
        assert csv_rows(report)[0] == [c.label for c in report.columns] + stamped
        assert (report.as_of is not None) == (name in ("inventory-valuation", "reorder"))
        assert "Test Store" in render_text(report_document(report, "Test Store", 42))


def test_a_report_run_without_a_transaction_is_one_statement(owner, shop, monkeypatch):
    """run_report skips the snapshot transaction for a report marked one_query: one
    statement reads one state of the database, more than one might not."""
    from posterm.data.models import database

    real = database.obj
    execute = real.execute_sql
    seen: list[str] = []

    def spy(sql, params=None):
        seen.append(sql)
        return execute(sql, params)

    monkeypatch.setattr(real, "execute_sql", spy)
    marked = [spec for spec in reports.REPORTS.values() if spec.one_query]
    assert len(marked) >= 10
    for spec in marked:
        seen.clear()
        spec.build(shop["yesterday"], shop["today"], ZONE)
        assert len(seen) == 1, (spec.name, seen)


def test_quantity_cells_carry_the_places_that_count():
    cells = [reports._qty(D(text)) for text in ("12.000", "12.500", "0.125", "-2.000", "0.000")]
    assert [str(cell) for cell in cells] == ["12", "12.5", "0.125", "-2", "0"]
    assert str(reports._qty(None)) == "0" and str(reports._qty(D("1E+3"))) == "1000"
    # Big reports read raw sums: the same cells, exponent and all, as from the Decimals.
    raws = [0, 1, -1, 5, 50, 99, 100, -100, 150, 1000, -1000, 1234, 12000, -12500, 10**15 + 7]
    raws += [n * 10**k + r for n in (-7, 3, 41) for k in range(6) for r in (0, 1, 50)]
    for raw in raws:
        assert str(reports._money_of(raw)) == str(reports._money(D(raw).scaleb(-4)))
        assert str(reports._qty_of(raw)) == str(reports._qty(D(raw).scaleb(-3)))
        assert str(reports._money_of(D(raw))) == str(reports._money_of(raw))  # PostgreSQL
    assert reports._money_of(None) == 0 and reports._qty_of(None) == 0


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
    from posterm.domain.stock import suggested_reorder

    first, last = shop["yesterday"], shop["today"]
    spent = run(owner, "expenses", first, last)
    by_category = defaultdict(lambda: [0, Decimal(0)])
    for row in CashMovement.select().where(CashMovement.kind == "expense"):
        if within(row.created_at, first, last):
            by_category[row.category or "(none)"][0] += 1
            by_category[row.category or "(none)"][1] += row.amount
    assert {row[0]: list(row[1:]) for row in spent.rows} == dict(by_category)
    assert spent.totals[2] == D("100.00")

    moves = run(owner, "stock-movements", first, last)
    expected = defaultdict(lambda: [Decimal(0)] * 4)
    groups = {"purchase": 0, "sale": 1, "return": 1, "void": 1}
    for move_ in StockMovement.select():
        if within(move_.created_at, first, last):
            sums = expected[move_.product.code]
            sums[groups.get(move_.kind, 2)] += move_.quantity
            sums[3] += move_.quantity
    assert {row[0]: list(row[2:]) for row in moves.rows} == dict(expected)

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
        if within(m.created_at, first, last)  # the last 2 days: not the sale of 45 days ago
    )
    assert wanted[2:5] == (salt.stock, D(60), sold_salt)
    assert wanted[5] == suggested_reorder(salt.stock, D(60), D(24), sold_salt, whole_units=True)


def test_credit_outstanding_ages_like_the_ledger_of_each_customer(owner):
    """The report ages every customer in one query; each row must equal what walking the
    customer's ledger up to the close of the last day gives (credit.ageing_before): debts,
    part payments, advances, returns, paid-off accounts."""
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
        end = reports._start_of(last + timedelta(days=1), reports._store_zone())
        owed_then = {}
        for customer in Customer.select():
            entries = CreditEntry.select().where(
                (CreditEntry.customer == customer.id) & (CreditEntry.created_at < end)
            )
            owed = sum((e.amount for e in entries), D(0))
            if owed > 0:
                owed_then[customer] = owed
        assert sorted(report) == sorted(c.name for c in owed_then)
        for customer, owed in owed_then.items():
            row = report[customer.name]
            assert row[2] == owed
            assert row[3:] == credit.ageing_before(customer.id, end, last).buckets
            assert sum(row[3:]) == owed
            if last == today:
                assert owed == customer.balance
