"""The shopkeeper's reports and the dashboard: read-only SQL aggregates over local days.

Every report reads the ledgers as they are: returns and voids are sale rows with negative
amounts (refunds are "out" payments), so plain SUMs over all documents give net figures, and
the sale / return / void split is a GROUP BY on the kind. Days are the store's local days
(setting `timezone`); rows are stored in UTC, so a range is cut at local midnights and a row's
local day or hour is computed in SQL with the zone's UTC offset (constant between DST changes:
the range is split where the offset changes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from zoneinfo import ZoneInfo

from peewee import JOIN, SQL, Case, fn

from posterm.data.database import is_postgres
from posterm.data.fields import scaled, sum_of
from posterm.data.models import (
    ACTIVE,
    Batch,
    CashMovement,
    Category,
    CreditEntry,
    Customer,
    Payment,
    Product,
    Sale,
    SaleLine,
    StockMovement,
    Supplier,
    SupplierEntry,
    User,
    database,
)
from posterm.data.statements import fetch, query_sql
from posterm.domain.credit import BUCKETS, age
from posterm.domain.errors import NotFound, ValidationError
from posterm.domain.money import MONEY_PLACES, QUANTITY_PLACES, quantize_money
from posterm.domain.permissions import Actor, Permission
from posterm.domain.reports import Column, Report, make_report
from posterm.services.settings import load_setting

MAX_DAYS = 3 * 366  # a report's longest range
TOP_ITEMS = 5


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    build: Callable[[date, date, ZoneInfo], Report]
    # The figures are the shop as it is now (stock on hand), not bounded by the dates: the
    # report is stamped "as of" the moment it ran (on screen, on paper and in the CSV).
    as_of_now: bool = False
    # Built from several queries, which must read one state of the database; a report of a
    # single query is one snapshot by itself and skips the transaction's two round trips
    # (a test holds each report marked so to its one statement). Sales by day and by hour
    # take one query per run of days at one UTC offset, so several where DST changes.
    one_query: bool = False


# --- the range --------------------------------------------------------------------------------


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _offset_minutes(day: date, zone: ZoneInfo) -> int:
    offset = datetime.combine(day, time(0), tzinfo=zone).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def _segments(first: date, last: date, zone: ZoneInfo) -> Iterator[tuple[date, date, int]]:
    """Runs of days (first, last, UTC offset in minutes) over which the offset is constant; a
    day on which it changes (DST) is a run of its own, at its midnight's offset."""

    def uniform(day: date) -> bool:
        return _offset_minutes(day, zone) == _offset_minutes(day + timedelta(1), zone)

    day = first
    while day <= last:
        offset = _offset_minutes(day, zone)
        end = day
        if uniform(day):
            following = end + timedelta(1)
            while end < last and uniform(following) and _offset_minutes(following, zone) == offset:
                end = following
                following = end + timedelta(1)
        yield day, end, offset
        day = end + timedelta(1)


def _in_range(column, first: date, last: date, zone: ZoneInfo):
    return (column >= _start_of(first, zone)) & (column < _start_of(last + timedelta(1), zone))


def _local_day(column, minutes: int):
    if is_postgres():
        return (column + SQL(f"interval '{minutes} minutes'")).cast("date")
    return fn.date(column, SQL(f"'{minutes:+d} minutes'"))


def _local_hour(column, minutes: int):
    if is_postgres():
        return fn.date_part(SQL("'hour'"), column + SQL(f"interval '{minutes} minutes'"))
    return fn.strftime(SQL("'%H'"), column, SQL(f"'{minutes:+d} minutes'"))


def _day_value(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# --- helpers for the queries ------------------------------------------------------------------


def _count_kind(kind: str):
    return fn.SUM(Case(None, [(Sale.kind == kind, 1)], 0))


def _sum_kind(field, kind: str):
    return scaled(fn.SUM(Case(None, [(Sale.kind == kind, field)], 0)), field)


def _signed_payment():
    return scaled(
        fn.SUM(Case(None, [(Payment.direction == "out", Payment.amount * -1)], Payment.amount)),
        Payment.amount,
    )


def _money(value: Decimal | None) -> Decimal:
    value = value or Decimal(0)
    short = quantize_money(value, 2)
    return short if short == value else value


_CENTS_STEP = 10 ** (MONEY_PLACES - 2)  # stored units in a cent
_PER_UNIT = 10**QUANTITY_PLACES  # stored units in a unit


def _money_of(raw) -> Decimal:
    """_money of a raw sum of a money column (an integer of 1/10^MONEY_PLACES; a numeric
    on PostgreSQL), without making the four-place Decimal first: for reports of thousands
    of rows, which read their rows raw (_raw_rows)."""
    units = int(raw or 0)
    if units % _CENTS_STEP == 0:
        return Decimal(units // _CENTS_STEP).scaleb(-2)
    return Decimal(units).scaleb(-MONEY_PLACES)


def _qty_of(raw) -> Decimal:
    """_qty of a raw sum of a quantity column (an integer of 1/10^QUANTITY_PLACES)."""
    units = int(raw or 0)
    whole, part = divmod(units, _PER_UNIT)
    if part == 0:
        return Decimal(whole)
    return Decimal(units).scaleb(-QUANTITY_PLACES).normalize()


def _raw_rows(query) -> list[tuple]:
    """The rows of `query` as the database gives them: peewee's conversion of each cell (a
    call per cell, through the row wrapper) costs more than a big report's sums."""
    sql, params = query.sql()
    return database.execute_sql(sql, params).fetchall()


_QUANTUM = Decimal(1).scaleb(-QUANTITY_PLACES)
_UNIT = Decimal(1)


def _qty(value: Decimal | None) -> Decimal:
    """A quantity at the places it carries: whole units without any, others to the last
    digit that counts (12.500 -> 12.5). Reports call it on every quantity cell."""
    if not value:
        return Decimal(0)
    exact = value.quantize(_QUANTUM)
    if exact == exact.to_integral_value():
        return exact.quantize(_UNIT)
    return exact.normalize()


# Literals, not parameters, where a grouped expression is also the order: SQLite sees that
# GROUP BY and ORDER BY are the same expression (one sort, not two) only when they read alike.
_BLANK = SQL("''")
_UNNAMED = SQL("'(none)'")
# COUNT(*), not COUNT(id): SQLite would read each row's id to see that it is not NULL.
_COUNT_ROWS = fn.COUNT(SQL("*"))


def _money_col(label: str) -> Column:
    return Column(label, numeric=True, total=True)


def _sales_in(first: date, last: date, zone: ZoneInfo):
    return _in_range(Sale.created_at, first, last, zone)


# --- the reports ------------------------------------------------------------------------------


def sales_by_day(first: date, last: date, zone: ZoneInfo) -> Report:
    found: dict[date, tuple] = {}
    for seg_first, seg_last, minutes in _segments(first, last, zone):
        day = _local_day(Sale.created_at, minutes)
        query = (
            Sale.select(
                day.alias("day"),
                _count_kind("sale"),
                _sum_kind(Sale.total, "sale"),
                _sum_kind(Sale.total, "return"),
                _sum_kind(Sale.total, "void"),
                sum_of(Sale.total),
                sum_of(Sale.tax_total),
            )
            .where(_sales_in(seg_first, seg_last, zone))
            .group_by(day)
        )
        for row in query.tuples():
            found[_day_value(row[0]) if seg_first != seg_last else seg_first] = row[1:]
    rows = [
        (f"{d:%d-%m-%Y %a}", int(r[0] or 0), *(_money(v) for v in r[1:]))
        for d, r in sorted(found.items())
    ]
    columns = (
        Column("Day"),
        Column("Bills", numeric=True, total=True),
        _money_col("Sales"),
        _money_col("Returns"),
        _money_col("Voids"),
        _money_col("Net"),
        _money_col("Tax"),
    )
    return make_report("sales-by-day", "Sales by day", first, last, columns, rows)


def sales_by_hour(first: date, last: date, zone: ZoneInfo) -> Report:
    found: dict[int, list] = {}
    for seg_first, seg_last, minutes in _segments(first, last, zone):
        hour = _local_hour(Sale.created_at, minutes)
        query = (
            Sale.select(hour, _count_kind("sale"), sum_of(Sale.total))
            .where(_sales_in(seg_first, seg_last, zone))
            .group_by(hour)
        )
        for h, bills, net in query.tuples():
            held = found.setdefault(int(h), [0, Decimal(0)])
            held[0] += int(bills or 0)
            held[1] += net
    rows = [(f"{h:02d}:00-{h:02d}:59", b, _money(n)) for h, (b, n) in sorted(found.items())]
    columns = (Column("Hour"), Column("Bills", True, True), _money_col("Net"))
    return make_report("sales-by-hour", "Sales by hour", first, last, columns, rows)


def _lines_in(first: date, last: date, zone: ZoneInfo):
    return SaleLine.select().join(Sale).where(_sales_in(first, last, zone))


def sales_by_item(first: date, last: date, zone: ZoneInfo, limit: int | None = None) -> Report:
    net = sum_of(SaleLine.line_total)
    query = (
        _lines_in(first, last, zone)
        .select(
            fn.MAX(SaleLine.code),
            fn.MAX(SaleLine.name),
            sum_of(SaleLine.quantity),
            net.alias("net"),
            sum_of(SaleLine.tax_amount),
            sum_of(SaleLine.cost_total),
            sum_of(SaleLine.taxable_value),
        )
        .group_by(SaleLine.product, SaleLine.code)
        .order_by(SQL("net").desc(), fn.MAX(SaleLine.name))
    )
    if limit is not None:
        query = query.limit(limit)
    rows = [
        (
            code,
            name,
            _qty_of(q),
            _money_of(n),
            _money_of(t),
            _money_of(c),
            _money_of(int(taxable) - int(c)),
        )
        for code, name, q, n, t, c, taxable in _raw_rows(query)
    ]
    columns = (
        Column("Code"),
        Column("Item"),
        Column("Qty", numeric=True),
        _money_col("Net sales"),
        _money_col("Tax"),
        _money_col("Cost"),
        _money_col("Margin"),
    )
    return make_report("sales-by-item", "Sales by item", first, last, columns, rows)


def sales_by_category(first: date, last: date, zone: ZoneInfo) -> Report:
    name = fn.COALESCE(Category.name, _UNNAMED)
    query = (
        _lines_in(first, last, zone)
        .switch(SaleLine)
        .join(Product, JOIN.LEFT_OUTER)
        .join(Category, JOIN.LEFT_OUTER)
        .select(
            name,
            sum_of(SaleLine.quantity),
            sum_of(SaleLine.taxable_value),
            sum_of(SaleLine.tax_amount),
            sum_of(SaleLine.line_total),
        )
        .group_by(name)
        .order_by(name)
    )
    rows = [(n, _qty(q), *(_money(v) for v in r)) for n, q, *r in query.tuples()]
    columns = (
        Column("Category"),
        Column("Qty", numeric=True),
        _money_col("Taxable"),
        _money_col("Tax"),
        _money_col("Net sales"),
    )
    return make_report("sales-by-category", "Sales by category", first, last, columns, rows)


def sales_by_cashier(first: date, last: date, zone: ZoneInfo) -> Report:
    who = fn.MAX(fn.COALESCE(fn.NULLIF(User.full_name, _BLANK), User.username))
    query = (
        Sale.select(
            who.alias("who"),
            _count_kind("sale"),
            _sum_kind(Sale.total, "sale"),
            # Returns and voids: every kind that is not a sale, in one sum each.
            fn.SUM(Case(None, [(Sale.kind != "sale", 1)], 0)),
            scaled(fn.SUM(Case(None, [(Sale.kind != "sale", Sale.total)], 0)), Sale.total),
            sum_of(Sale.total),
        )
        .join(User, on=(Sale.user == User.id))
        .where(_sales_in(first, last, zone))
        .group_by(Sale.user)
        .order_by(SQL("who"))  # by name: an aggregate repeated would be summed again
    )
    rows = []
    for name, bills, sold, reversals, reversed_, net in query.tuples():
        rows.append(
            (
                name,
                int(bills or 0),
                _money(sold),
                int(reversals or 0),
                _money(reversed_),
                _money(net),
            )
        )
    columns = (
        Column("Cashier"),
        Column("Bills", True, True),
        _money_col("Sales"),
        Column("Ret/void", True, True),
        _money_col("Reversed"),
        _money_col("Net"),
    )
    return make_report("sales-by-cashier", "Sales by cashier", first, last, columns, rows)


def sales_by_payment(first: date, last: date, zone: ZoneInfo) -> Report:
    """Tenders on bills (credit is what was sold on udhaar); refunds count against them."""
    inward = scaled(
        fn.SUM(Case(None, [(Payment.direction == "in", Payment.amount)], 0)), Payment.amount
    )
    outward = scaled(
        fn.SUM(Case(None, [(Payment.direction == "out", Payment.amount)], 0)), Payment.amount
    )
    # The net in Python: a third SUM would cost more than the subtraction.
    query = (
        Payment.select(Payment.method, _COUNT_ROWS, inward, outward)
        .where(Payment.sale.is_null(False) & _in_range(Payment.created_at, first, last, zone))
        .group_by(Payment.method)
        .order_by(Payment.method)
    )
    rows = [(m, n, _money(i), _money(o), _money(i - o)) for m, n, i, o in query.tuples()]
    columns = (
        Column("Method"),
        Column("Count", True, True),
        _money_col("Received"),
        _money_col("Refunded"),
        _money_col("Net"),
    )
    return make_report("sales-by-payment", "Sales by payment method", first, last, columns, rows)


def tax_summary(first: date, last: date, zone: ZoneInfo) -> Report:
    query = (
        _lines_in(first, last, zone)
        .select(
            SaleLine.tax_rate,
            SaleLine.hsn_code,
            sum_of(SaleLine.taxable_value),
            sum_of(SaleLine.tax_amount),
        )
        .group_by(SaleLine.tax_rate, SaleLine.hsn_code)
        .order_by(SaleLine.tax_rate, SaleLine.hsn_code)
    )
    rows = [
        (f"{rate.normalize():f}%", hsn or "-", _money(taxable), _money(tax), _money(taxable + tax))
        for rate, hsn, taxable, tax in query.tuples()
    ]
    columns = (
        Column("Rate"),
        Column("HSN"),
        _money_col("Taxable"),
        _money_col("Tax"),
        _money_col("Total"),
    )
    return make_report("tax-summary", "Tax summary", first, last, columns, rows)


def profit_and_loss(first: date, last: date, zone: ZoneInfo) -> Report:
    """Sales before tax (tax collected is owed to the state), less cost of goods (FIFO cost
    on each line; returns put it back), less expenses paid out of the tills."""
    sold, reversed_, cost = (
        _lines_in(first, last, zone)
        .select(
            _sum_kind(SaleLine.taxable_value, "sale"),
            scaled(
                fn.SUM(Case(None, [(Sale.kind != "sale", SaleLine.taxable_value)], 0)),
                SaleLine.taxable_value,
            ),
            sum_of(SaleLine.cost_total),
        )
        .tuples()
        .get()
    )
    expenses = (
        CashMovement.select(sum_of(CashMovement.amount))
        .where(
            (CashMovement.kind == "expense") & _in_range(CashMovement.created_at, first, last, zone)
        )
        .scalar()
    ) or Decimal(0)
    net_sales = sold + reversed_
    gross = net_sales - cost
    rows = [
        ("Sales (before tax)", _money(sold)),
        ("Returns and voids", _money(reversed_)),
        ("Net sales", _money(net_sales)),
        ("Cost of goods sold", _money(-cost)),
        ("Gross profit", _money(gross)),
        ("Expenses", _money(-expenses)),
        ("Net profit", _money(gross - expenses)),
    ]
    # Costs carry four places (FIFO unit costs); the statement reads in the currency's two.
    rows = [(label, quantize_money(amount, 2)) for label, amount in rows]
    columns = (Column("Line"), Column("Amount", numeric=True))
    return make_report("profit-and-loss", "Profit and loss", first, last, columns, rows)


def _value(stock_column, money_column):
    # Quantity (1/1000) times money (1/10000): an integer of 1/10^7.
    return fn.COALESCE(fn.SUM(stock_column * money_column), 0)


def _from_scaled(raw) -> Decimal:
    places = MONEY_PLACES + QUANTITY_PLACES
    return _money(quantize_money(Decimal(int(raw)).scaleb(-places), 2))


def inventory_valuation(first: date, last: date, zone: ZoneInfo) -> Report:
    def build():
        name = fn.COALESCE(Category.name, _UNNAMED)
        return (
            Product.select(
                name,
                _COUNT_ROWS,
                sum_of(Product.stock),
                _value(Product.stock, Product.cost),
                _value(Product.stock, Product.price),
            )
            .join(Category, JOIN.LEFT_OUTER)
            .where((Product.status == ACTIVE) & Product.deleted_at.is_null() & (Product.stock > 0))
            .group_by(name)
            .order_by(name)
        )

    # One row per category: the SQL text is written once (see expenses).
    params = [0, 0, 0, ACTIVE, 0]
    sql = query_sql(("report inventory valuation",), build, params)
    fields = (Category.name, Product.id, Product.stock, Product.id, Product.id)
    rows = [
        (n, count, _qty(q), _from_scaled(at_cost), _from_scaled(at_price))
        for n, count, q, at_cost, at_price in fetch(sql, params, fields)
    ]
    columns = (
        Column("Category"),
        Column("Items", True, True),
        Column("Units", numeric=True),
        _money_col("At cost"),
        _money_col("At price"),
    )
    note = "Stock on hand now (products in stock), whatever the dates."
    return make_report(
        "inventory-valuation", "Inventory valuation", first, last, columns, rows, note
    )


def credit_outstanding(first: date, last: date, zone: ZoneInfo) -> Report:
    """Who owed us at the close of the last day, from the credit ledger, aged on that day
    (oldest debt paid first). The first day does not matter: a balance is all of its past."""
    end = _start_of(last + timedelta(1), zone)

    def build():
        owing = (
            Customer.select(
                Customer.id.alias("id"),
                Customer.name.alias("name"),
                Customer.phone.alias("phone"),
                fn.SUM(CreditEntry.amount).alias("owed"),
            )
            .join(CreditEntry)
            .where(Customer.deleted_at.is_null() & (CreditEntry.created_at < end))
            .group_by(Customer.id, Customer.name, Customer.phone)
            .having(fn.SUM(CreditEntry.amount) > 0)
            .cte("owing")
        )
        unpaid = _open_debts(owing, end)
        # Who owes is summed once (a CTE), read by the ageing and for the rows; a customer
        # comes once per unpaid debt (once with none), their rows one after another.
        return (
            owing.select_from(
                owing.c.id, owing.c.name, owing.c.phone, owing.c.owed, unpaid.c.at, unpaid.c.unpaid
            )
            .join(unpaid, JOIN.LEFT_OUTER, on=(unpaid.c.customer_id == owing.c.id))
            .order_by(owing.c.owed.desc(), owing.c.name, owing.c.id)
        )

    # One statement; peewee takes a millisecond to write it, so its text is written once.
    params = [end, 0, 0, 0, 0, 0, end, 0, 0]
    sql = query_sql(("report credit outstanding",), build, params)
    found = database.execute_sql(sql, params).fetchall()
    amount = CreditEntry.amount.python_value
    rows = []
    for _customer, lines in groupby(found, key=itemgetter(0)):
        lines = list(lines)
        _id, name, phone, balance = lines[0][:4]
        # Only the unpaid parts of debts are left, so ageing them pays nothing off again.
        debts = [
            (_utc(at).astimezone(zone).date(), amount(left))
            for *_, at, left in lines
            if at is not None
        ]
        aged = age(debts, last).buckets
        rows.append((name, phone or "", _money(amount(balance)), *map(_money, aged)))
    columns = (
        Column("Customer"),
        Column("Phone"),
        _money_col("Owed"),
        *(_money_col(f"{label} d") for label, _f, _l in BUCKETS),
    )
    note = f"Balances at the close of {last:%d-%m-%Y}, aged on that day."
    return make_report("credit-outstanding", "Credit outstanding", first, last, columns, rows, note)


def _utc(at) -> datetime:
    # A subquery's column comes back raw: text on SQLite, naive UTC on PostgreSQL.
    # fromisoformat reads peewee's text form, many times faster than its strptime.
    moment = at if isinstance(at, datetime) else datetime.fromisoformat(at)
    return moment.replace(tzinfo=UTC)


def _open_debts(owing, before: datetime):
    """A subquery of (customer_id, at, unpaid part) of each debt of the customers of the CTE
    `owing` not paid off by `before` (counting only the ledger before it): credits pay the
    oldest debts first (domain.credit.open_debts), so what is left of a debt is what the
    running sum of debts up to it exceeds all of the credits by, at most the debt itself."""
    entry = CreditEntry
    owner = {"partition_by": [entry.customer]}
    debts = fn.SUM(Case(None, [(entry.amount > 0, entry.amount)], 0)).over(
        order_by=[entry.id], **owner
    )
    credits = fn.SUM(Case(None, [(entry.amount < 0, entry.amount)], 0)).over(**owner)
    ledger = (
        entry.select(
            entry.customer.alias("customer_id"),
            entry.created_at.alias("at"),
            entry.amount.alias("amount"),
            debts.alias("debts"),
            credits.alias("credits"),
        )
        .join(owing, on=(owing.c.id == entry.customer))
        .where(entry.created_at < before)
        .alias("ledger")
    )
    left = ledger.c.debts + ledger.c.credits  # credits are negative
    unpaid = Case(None, [(left >= ledger.c.amount, ledger.c.amount)], left)
    return (
        entry.select(ledger.c.customer_id, ledger.c.at, unpaid.alias("unpaid"))
        .from_(ledger)
        .where((ledger.c.amount > 0) & (left > 0))
        .alias("unpaid")
    )


def supplier_dues(first: date, last: date, zone: ZoneInfo) -> Report:
    """What we bought from and paid each supplier in the range, and what we owed them at the
    close of the last day (the sum of their ledger up to then)."""
    in_range = _in_range(SupplierEntry.created_at, first, last, zone)
    by_end = SupplierEntry.created_at < _start_of(last + timedelta(1), zone)

    def summed(condition):
        return scaled(
            fn.SUM(Case(None, [(condition, SupplierEntry.amount)], 0)), SupplierEntry.amount
        )

    query = (
        Supplier.select(
            Supplier.name,
            Supplier.phone,
            summed(in_range & (SupplierEntry.kind == "purchase")),
            summed(in_range & (SupplierEntry.kind == "payment")),
            # The rows are the ledger up to the close already: owed is all of their sum.
            sum_of(SupplierEntry.amount).alias("owed"),
        )
        .join(SupplierEntry)
        .where(Supplier.deleted_at.is_null() & by_end)
        .group_by(Supplier.id, Supplier.name, Supplier.phone)
        # By name: the aggregate written again in ORDER BY would be summed again (SQLite).
        .order_by(SQL("owed").desc(), Supplier.name)
    )
    rows = [
        (name, phone, _money(b), _money(-p), _money(owed))
        for name, phone, b, p, owed in query.tuples()
        if owed or b or p
    ]
    columns = (
        Column("Supplier"),
        Column("Phone"),
        _money_col("Purchased"),
        _money_col("Paid"),
        _money_col("Owed"),
    )
    note = f"Owed: at the close of {last:%d-%m-%Y}."
    return make_report("supplier-dues", "Supplier dues", first, last, columns, rows, note)


_EXPENSE_COLUMNS = (Column("Category"), Column("Count", True, True), _money_col("Amount"))


def expenses(first: date, last: date, zone: ZoneInfo) -> Report:
    """Money paid out of the tills for the shop's costs, by category."""
    start, end = _start_of(first, zone), _start_of(last + timedelta(1), zone)

    def build():
        category = fn.COALESCE(fn.NULLIF(CashMovement.category, _BLANK), _UNNAMED)
        return (
            CashMovement.select(category, _COUNT_ROWS, sum_of(CashMovement.amount))
            .where(
                (CashMovement.kind == "expense")
                & (CashMovement.created_at >= start)
                & (CashMovement.created_at < end)
            )
            .group_by(category)
            .order_by(category)
        )

    # A few rows from an index: peewee would take longer to write the SQL than it takes to
    # run, so its text is written once (statements.query_sql).
    params = [0, "expense", start, end]
    sql = query_sql(("report expenses",), build, params)
    amount = CashMovement.amount.python_value
    rows = [(c, n, _money(amount(a))) for c, n, a in database.execute_sql(sql, params).fetchall()]
    return make_report("expenses", "Expenses", first, last, _EXPENSE_COLUMNS, rows)


def stock_movements(first: date, last: date, zone: ZoneInfo) -> Report:
    """Each product's stock in and out over the range, from the stock ledger."""

    def moved(kinds: tuple[str, ...]):
        return scaled(
            fn.SUM(Case(None, [(StockMovement.kind.in_(kinds), StockMovement.quantity)], 0)),
            StockMovement.quantity,
        )

    query = (
        StockMovement.select(
            Product.code,
            Product.name,
            moved(("purchase",)),
            moved(("sale", "return", "void")),
            moved(("opening", "adjustment", "count")),
            sum_of(StockMovement.quantity),
        )
        .join(Product)
        .where(_in_range(StockMovement.created_at, first, last, zone))
        .group_by(Product.id, Product.code, Product.name)
        .order_by(Product.name, Product.id)
    )
    rows = [(code, name, *map(_qty_of, figures)) for code, name, *figures in _raw_rows(query)]
    columns = (
        Column("Code"),
        Column("Item"),
        Column("Received", True, True),
        Column("Sold", True, True),
        Column("Adjusted", True, True),
        Column("Net", True, True),
    )
    return make_report("stock-movements", "Stock movement summary", first, last, columns, rows)


def reorder(first: date, last: date, zone: ZoneInfo) -> Report:
    """What to order now, judged on what sold over the range's length (see stock alerts)."""
    from posterm.services import stock

    days = min((last - first).days + 1, stock.MAX_DAYS)
    rows = [
        (code, name, _qty(on_hand), _qty(minimum), _qty(sold), _qty(suggested))
        for code, name, on_hand, minimum, sold, suggested in stock.all_reorder_figures(days)
    ]
    columns = (
        Column("Code"),
        Column("Item"),
        Column("Stock", numeric=True),
        Column("Min", numeric=True),
        Column(f"Sold {days}d", numeric=True),
        Column("Order", numeric=True),
    )
    note = f"Stock on hand now; sold in the last {days} days up to now."
    return make_report("reorder", "Reorder recommendations", first, last, columns, rows, note)


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec("sales-by-day", "Sales by day", sales_by_day),
        ReportSpec("sales-by-hour", "Sales by hour", sales_by_hour),
        ReportSpec("sales-by-item", "Sales by item", sales_by_item, one_query=True),
        ReportSpec("sales-by-category", "Sales by category", sales_by_category, one_query=True),
        ReportSpec("sales-by-cashier", "Sales by cashier", sales_by_cashier, one_query=True),
        ReportSpec("sales-by-payment", "Sales by payment method", sales_by_payment, one_query=True),
        ReportSpec("tax-summary", "Tax summary per rate and HSN", tax_summary, one_query=True),
        ReportSpec("profit-and-loss", "Profit and loss", profit_and_loss),
        ReportSpec(
            "inventory-valuation",
            "Inventory valuation at cost and price",
            inventory_valuation,
            as_of_now=True,
            one_query=True,
        ),
        ReportSpec(
            "credit-outstanding",
            "Credit outstanding with ageing",
            credit_outstanding,
            one_query=True,
        ),
        ReportSpec("supplier-dues", "Supplier dues", supplier_dues, one_query=True),
        ReportSpec("expenses", "Expenses by category", expenses, one_query=True),
        ReportSpec("stock-movements", "Stock movement summary", stock_movements, one_query=True),
        ReportSpec("reorder", "Reorder recommendations", reorder, as_of_now=True, one_query=True),
    )
}


def _store_zone() -> ZoneInfo:
    # Only the timezone: parsing every store setting costs more than a small report.
    return ZoneInfo(load_setting("timezone"))


def report_names() -> list[tuple[str, str]]:
    return [(spec.name, spec.title) for spec in REPORTS.values()]


def store_today() -> date:
    return datetime.now(_store_zone()).date()


def run_report(actor: Actor, name: str, first: date, last: date) -> Report:
    """The report `name` over local days `first`..`last` (both included)."""
    actor.require(Permission.VIEW_REPORTS)
    spec = REPORTS.get(name.strip().lower())
    if spec is None:
        raise NotFound(f"No report named '{name}' (see `posterm report list`).")
    if first > last:
        raise ValidationError("to", "the last day comes before the first")
    if (last - first).days >= MAX_DAYS:
        raise ValidationError("from", f"a report covers at most {MAX_DAYS} days")
    zone = _store_zone()
    if spec.one_query:
        report = spec.build(first, last, zone)
    else:
        with database.atomic():  # one snapshot for the report's queries
            report = spec.build(first, last, zone)
    if spec.as_of_now:
        report = replace(report, as_of=datetime.now(zone).replace(second=0, microsecond=0))
    return report


# --- the dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    day: date
    net_sales: Decimal
    bills: int
    tenders: tuple[tuple[str, Decimal], ...]  # cash, credit, then the others
    credit_owed: Decimal
    customers_owing: int
    low_stock: int
    expiring: int  # batches in stock expiring within EXPIRY_DAYS (or expired)
    new_customers: int  # in the last 7 days
    top_items: tuple[tuple[str, Decimal, Decimal], ...]  # name, quantity, net sales
    trend: tuple[Decimal, ...]  # net sales of each of the last days, oldest first


TREND_DAYS = 14
EXPIRY_DAYS = 30


def dashboard(actor: Actor, today: date | None = None) -> Dashboard:
    actor.require(Permission.VIEW_DASHBOARD)
    zone = _store_zone()
    today = today or datetime.now(zone).date()
    live = Customer.deleted_at.is_null()
    owing = live & (Customer.balance > 0)
    week_start = _start_of(today - timedelta(days=6), zone)
    # The day's bills and the store's counts in one statement: each count is a subquery
    # that the database runs once, not a round trip of its own.
    counts = (
        Customer.select(_COUNT_ROWS).where(owing),
        Customer.select(fn.SUM(Customer.balance)).where(owing),
        Product.select(_COUNT_ROWS).where(
            (Product.status == ACTIVE)
            & Product.deleted_at.is_null()
            & (Product.stock <= Product.min_stock)
        ),
        Batch.select(_COUNT_ROWS)
        .join(Product)
        .where(
            Batch.expiry_date.is_null(False)
            & (Batch.expiry_date <= today + timedelta(days=EXPIRY_DAYS))
            & (Batch.quantity_remaining > 0)
            & Product.deleted_at.is_null()
        ),
        Customer.select(_COUNT_ROWS).where((Customer.created_at >= week_start) & live),
    )
    with database.atomic():
        bills, net, customers_owing, owed, low, expiring, new_customers = (
            Sale.select(_count_kind("sale"), sum_of(Sale.total), *counts)
            .where(_sales_in(today, today, zone))
            .tuples()
            .get()
        )
        by_method = dict(
            Payment.select(Payment.method, _signed_payment())
            .where(Payment.sale.is_null(False) & _in_range(Payment.created_at, today, today, zone))
            .group_by(Payment.method)
            .tuples()
        )
        tenders = [(m, _money(by_method.pop(m, Decimal(0)))) for m in ("cash", "credit")]
        other = sum(by_method.values(), Decimal(0))
        tenders.append(("other", _money(other)))
        top = sales_by_item(today, today, zone, limit=TOP_ITEMS)
        first = today - timedelta(days=TREND_DAYS - 1)
        days = sales_by_day(first, today, zone)
    by_day = {row[0]: row[5] for row in days.rows}
    trend = tuple(
        by_day.get(f"{first + timedelta(i):%d-%m-%Y %a}", Decimal(0)) for i in range(TREND_DAYS)
    )
    return Dashboard(
        day=today,
        net_sales=_money(net),
        bills=int(bills or 0),
        tenders=tuple(tenders),
        credit_owed=_money(Customer.balance.python_value(owed or 0)),
        customers_owing=int(customers_owing or 0),
        low_stock=int(low or 0),
        expiring=int(expiring or 0),
        new_customers=int(new_customers or 0),
        top_items=tuple((row[1], row[2], row[3]) for row in top.rows),
        trend=trend,
    )
