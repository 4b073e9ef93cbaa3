"""Two years of a busy shop, written straight into posterm's tables for the reports benchmark.

About 250,000 documents over 730 days (2,000,000 sale lines): sales with cash, UPI, card,
split and credit tenders, returns and voids of earlier bills, customers paying off credit,
purchases from suppliers into batches (FIFO cost, expiry), supplier payments, shifts with
expenses, payouts and pay-ins, stock adjustments. Every row is what posterm's own services
would write (money as integers of 1/10000, quantities of 1/1000, tax rates of 1/10000 %,
naive UTC timestamps, one bill-number series per year with no gap), so `posterm doctor`
finds the ledgers and caches consistent. It is not written through the services: that would
take hours. The rows come from a seeded random generator, day by day in time order, and go in
through executemany (SQLite) or COPY (PostgreSQL) in big transactions.

The store is made by posterm first (`open_store` runs the migrations, `init_store` adds the
owner, the GST rates and the "General" category), so the schema is exactly posterm's.
"""

from __future__ import annotations

import bisect
import io
import os
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from posterm.data.models import (
    Batch,
    CashMovement,
    Category,
    Counter,
    CreditEntry,
    Customer,
    Payment,
    Product,
    Purchase,
    PurchaseLine,
    Sale,
    SaleLine,
    SaleLineBatch,
    Shift,
    StockMovement,
    Supplier,
    SupplierEntry,
    User,
)

# Bump when the data changes: the cached databases are keyed by it.
GENERATOR_VERSION = 1
SEED = 20_261_201
DAYS = 730
# Documents of kind "sale" (returns and voids come on top); fewer only to try the generator.
SALES = int(os.environ.get("POSTERM_BENCH_REPORT_SALES", "250000"))
MEAN_LINES = 8  # so about 2,000,000 sale lines
PRODUCTS = 3_000
CATEGORIES = 40
HSN_CODES = 120
CUSTOMERS = 5_000
CREDIT_CUSTOMERS = 1_200
SUPPLIERS = 30
CASHIERS = 4
TERMINALS = ("till-1", "till-2")
RETURN_SHARE = 0.012
VOID_SHARE = 0.003
CREDIT_PAYMENTS_PER_DAY = 30
ADJUSTMENTS_PER_DAY = 3
ZONE = ZoneInfo("Asia/Kolkata")  # posterm's default store timezone
RUPEE = 10_000  # money is stored in 1/10000 of the unit
PAISA = 100
UNIT = 1_000  # quantities in 1/1000
RATE_SCALE = 10_000  # 18 % is 180000
OPENING = "OPENING"
EXPENSES = (
    ("tea and snacks", 40, 300),
    ("transport", 100, 1_500),
    ("cleaning", 50, 400),
    ("repairs", 200, 3_000),
    ("stationery", 30, 500),
    ("electricity", 1_500, 6_000),
)

Row = tuple[Any, ...]


# Column order of each table, as the models define it (checked against them at import).
def names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COLUMNS: dict[str, tuple[str, ...]] = {
    "app_user": names(
        "id created_at updated_at status deleted_at username full_name role password_hash "
        "pin_hash failed_logins locked_until last_login_at"
    ),
    "category": names("id created_at updated_at status deleted_at name parent_id"),
    "product": names(
        "id created_at updated_at status deleted_at code name search_name barcode category_id "
        "tax_rate_id hsn_code unit sold_by_weight price cost stock min_stock reorder_qty "
        "track_expiry"
    ),
    "supplier": names(
        "id created_at updated_at status deleted_at name contact_name phone email address "
        "tax_id balance notes"
    ),
    "customer": names(
        "id created_at updated_at status deleted_at code name search_name phone email address "
        "tax_id card_barcode credit_limit balance loyalty_points notes"
    ),
    "shift": names(
        "id created_at updated_at terminal user_id status opened_at closed_at closed_by_id "
        "opening_float expected_cash counted_cash variance denominations z_report"
    ),
    "sale": names(
        "id created_at updated_at uuid kind original_id bill_number series sequence terminal "
        "user_id approved_by_id customer_id shift_id prices_include_tax item_count subtotal "
        "discount_total tax_total round_off total paid_total change_given credit_amount "
        "loyalty_earned loyalty_redeemed printed printed_at reason note"
    ),
    "sale_line": names(
        "id created_at updated_at sale_id line_no product_id original_line_id name code "
        "barcode hsn_code unit quantity unit_price price_overridden gross line_discount "
        "bill_discount tax_rate taxable_value tax_amount line_total unit_cost cost_total "
        "restocked"
    ),
    "payment": names(
        "id created_at updated_at sale_id customer_id shift_id user_id terminal method "
        "direction amount tendered reference"
    ),
    "credit_entry": names(
        "id created_at updated_at customer_id kind amount balance_after sale_id payment_id "
        "user_id approved_by_id note"
    ),
    "purchase": names(
        "id created_at updated_at supplier_id invoice_number invoice_date subtotal tax_total "
        "total paid user_id notes"
    ),
    "purchase_line": names(
        "id created_at updated_at purchase_id product_id quantity unit_cost tax_rate "
        "tax_amount line_total batch_number expiry_date"
    ),
    "batch": names(
        "id created_at updated_at product_id purchase_line_id batch_number expiry_date "
        "unit_cost quantity_received quantity_remaining"
    ),
    "sale_line_batch": names(
        "id created_at updated_at sale_line_id batch_id quantity unit_cost cost_total"
    ),
    "stock_movement": names(
        "id created_at updated_at product_id kind quantity stock_after unit_cost reason note "
        "sale_id purchase_id batch_id user_id terminal stock_count_id"
    ),
    "supplier_entry": names(
        "id created_at updated_at supplier_id kind amount balance_after purchase_id method "
        "reference user_id note"
    ),
    "cash_movement": names(
        "id created_at updated_at shift_id kind amount category reason user_id approved_by_id"
    ),
    "counter": names("id created_at updated_at name value"),
}
_MODELS = (
    User,
    Category,
    Product,
    Supplier,
    Customer,
    Shift,
    Sale,
    SaleLine,
    Payment,
    CreditEntry,
    Purchase,
    PurchaseLine,
    Batch,
    SaleLineBatch,
    StockMovement,
    SupplierEntry,
    CashMovement,
    Counter,
)
for _model in _MODELS:
    _fields = tuple(f.column_name for f in _model._meta.sorted_fields)
    if COLUMNS[_model._meta.table_name] != _fields:
        raise RuntimeError(f"shop_history: {_model._meta.table_name} changed: {_fields}")


def _stamp(moment: datetime) -> str:
    # peewee's own text form of a naive UTC datetime (whole seconds): "2026-01-31 04:30:00".
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative numbers."""
    return (2 * numerator + denominator) // (2 * denominator)


def _in_paise(amount: int) -> int:
    return _half_up(amount, PAISA) * PAISA


class ShopHistory:
    """Generates the history into `sink(table, columns, rows)`, in chunks, in foreign-key order
    within each chunk; `tax_rates` maps rate (scaled) to tax_rate.id, `first_ids` the next free
    id of the tables init_store wrote to."""

    def __init__(
        self,
        sink: Sink,
        tax_rates: dict[int, int],
        first_ids: dict[str, int],
        last_day: date,
        password_hash: str,
        progress: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.sink = sink
        self.progress = progress
        self.rng = random.Random(SEED)
        self.tax_rates = tax_rates
        self.next_id = {table: first_ids.get(table, 1) for table in COLUMNS}
        self.last_day = last_day
        self.first_day = last_day - timedelta(days=DAYS - 1)
        self.password_hash = password_hash
        self.buffers: dict[str, list[Row]] = {table: [] for table in COLUMNS}
        self.counts: dict[str, int] = dict.fromkeys(COLUMNS, 0)

    # --- plumbing -------------------------------------------------------------------------

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def flush(self) -> None:
        for table in COLUMNS:  # dict order is foreign-key order
            rows = self.buffers[table]
            if rows:
                self.sink.insert(table, COLUMNS[table], rows)
                self.counts[table] += len(rows)
                self.buffers[table] = []

    def _utc(self, day: date, seconds: int) -> datetime:
        midnight = datetime.combine(day, clock(0), tzinfo=ZONE).astimezone(UTC)
        return midnight.replace(tzinfo=None) + timedelta(seconds=seconds)

    # --- master data ----------------------------------------------------------------------

    def master_data(self) -> None:
        rng = self.rng
        start = _stamp(self._utc(self.first_day - timedelta(days=1), 8 * 3600))
        self.start_stamp = start
        self.cashiers = []
        for number in range(1, CASHIERS + 2):
            user_id = self._id("app_user")
            role = "manager" if number == 1 else "cashier"
            name = "manager" if number == 1 else f"cashier{number - 1}"
            self.buffers["app_user"].append(
                (user_id, start, start, "active", None, name, name.title(), role,
                 self.password_hash, None, 0, None, None)
            )  # fmt: skip
            if role == "cashier":
                self.cashiers.append(user_id)
            else:
                self.manager = user_id
        categories = []
        for number in range(1, CATEGORIES + 1):
            category_id = self._id("category")
            categories.append(category_id)
            self.buffers["category"].append(
                (category_id, start, start, "active", None, f"Category {number:02d}", None)
            )
        rates = sorted(self.tax_rates)
        rate_weights = [3 if r == 5 * RATE_SCALE else 2 if r in (12 * RATE_SCALE, 18 * RATE_SCALE)
                        else 1 for r in rates]  # fmt: skip
        hsn = [f"{rng.randint(1000, 9999)}" for _ in range(HSN_CODES)]
        self.suppliers = []
        for _number in range(SUPPLIERS):
            supplier_id = self._id("supplier")
            self.suppliers.append(supplier_id)
        # Popularity: a long tail, as in any shop (a few items are most of the lines).
        weights = [1.0 / (rank + 10) ** 0.9 for rank in range(PRODUCTS)]
        rng.shuffle(weights)
        total_weight = sum(weights)
        lines_per_day = SALES * MEAN_LINES / DAYS
        self.products: list[tuple] = []
        self.product_ids: list[int] = []
        self.stock: dict[int, int] = {}
        self.min_stock: dict[int, int] = {}
        self.reorder_qty: dict[int, int] = {}
        self.supplier_of: dict[int, int] = {}
        self.batches: dict[int, deque] = {}  # product -> FIFO of [batch_id, cost, left]
        self.batch_rows: dict[int, list] = {}
        self.product_meta: dict[int, tuple] = {}
        self.touched: set[int] = set()
        for index in range(PRODUCTS):
            product_id = self._id("product")
            category = categories[index % CATEGORIES]
            rate = rng.choices(rates, rate_weights)[0]
            by_weight = index % 10 == 0
            price = rng.choice((10, 15, 20, 25, 30, 45, 50, 60, 75, 99, 120, 150, 199, 250,
                                320, 450, 599, 899)) * RUPEE  # fmt: skip
            if rng.random() < 0.2:
                price += 50 * PAISA
            cost = _in_paise(price * rng.randint(70, 88) // 100)
            name = f"Item {index + 1:04d} {'loose' if by_weight else 'pack'}"
            code = f"P{index + 1:05d}"
            barcode = f"890{index + 1:010d}"
            unit = "kg" if by_weight else "pcs"
            daily = lines_per_day * weights[index] / total_weight * 1.3 * UNIT
            minimum = max(UNIT, round(daily * 7 / UNIT) * UNIT)
            reorder = max(5 * UNIT, round(daily * 30 / UNIT) * UNIT)
            track_expiry = index % 4 == 0
            self.products.append(
                (product_id, name, code, barcode, hsn[index % HSN_CODES], unit, price, rate,
                 by_weight)
            )  # fmt: skip
            self.product_ids.append(product_id)
            self.min_stock[product_id] = minimum
            self.reorder_qty[product_id] = reorder
            self.supplier_of[product_id] = self.suppliers[index % SUPPLIERS]
            self.product_meta[product_id] = (category, self.tax_rates[rate], cost, track_expiry)
            self.batches[product_id] = deque()
            opening = minimum + reorder
            self.stock[product_id] = 0
            self._receive(product_id, opening, cost, None, None, OPENING, None, start, "opening")
        self.cum_weights = list(_cumulative(weights))
        self.customers = []
        self.credit_customers = []
        self.balance: dict[int, int] = {}
        self.credit_limit: dict[int, int] = {}
        for number in range(1, CUSTOMERS + 1):
            customer_id = self._id("customer")
            self.customers.append(customer_id)
            self.balance[customer_id] = 0
            on_credit = number <= CREDIT_CUSTOMERS
            self.credit_limit[customer_id] = rng.choice((2_000, 5_000, 10_000)) * RUPEE * on_credit
            if on_credit:
                self.credit_customers.append(customer_id)
        self.customer_day = {
            c: self.first_day + timedelta(days=rng.randrange(DAYS)) if i > 800 else self.first_day
            for i, c in enumerate(self.customers)
        }
        self.supplier_balance = dict.fromkeys(self.suppliers, 0)

    def master_rows(self) -> None:
        """Products, customers and suppliers, their caches at zero (`final_caches` sets them)."""
        start = self.start_stamp
        for product_id, name, code, barcode, _hsn, unit, price, _rate, weight in self.products:
            category, rate_id, cost, expiry = self.product_meta[product_id]
            self.buffers["product"].append(
                (product_id, start, start, "active", None, code, name, f"{name} {code}".lower(),
                 barcode, category, rate_id, _hsn, unit, int(weight), price, cost,
                 0, self.min_stock[product_id],
                 self.reorder_qty[product_id], int(expiry))
            )  # fmt: skip
        for number, customer_id in enumerate(self.customers, start=1):
            joined = _stamp(self._utc(self.customer_day[customer_id], 10 * 3600))
            name = f"Customer {number:04d}"
            self.buffers["customer"].append(
                (customer_id, joined, joined, "active", None, f"C{number:05d}", name,
                 name.lower(), f"9{number:09d}", "", "", "", None,
                 self.credit_limit[customer_id], 0, 0, "")
            )  # fmt: skip
        for number, supplier_id in enumerate(self.suppliers, start=1):
            self.buffers["supplier"].append(
                (supplier_id, start, start, "active", None, f"Supplier {number:02d}", "",
                 f"8{number:09d}", "", "", "", 0, "")
            )  # fmt: skip

    # --- stock and batches ----------------------------------------------------------------

    def _receive(self, product_id, quantity, cost, purchase_id, line_id, number, expiry, at,
                 kind) -> None:  # fmt: skip
        batch_id = self._id("batch")
        self.batches[product_id].append([batch_id, cost, quantity])
        self.batch_rows[batch_id] = [batch_id, at, at, product_id, line_id, number, expiry,
                                     cost, quantity, quantity]  # fmt: skip
        self.stock[product_id] += quantity
        self.buffers["stock_movement"].append(
            (self._id("stock_movement"), at, at, product_id, kind, quantity,
             self.stock[product_id], cost, "", "", None, purchase_id, batch_id, self.owner_id,
             "", None)
        )  # fmt: skip

    def _draw(self, product_id: int, quantity: int, cost: int) -> list[tuple[int | None, int, int]]:
        """FIFO draws (batch, quantity, unit cost) of `quantity`; what no batch holds is costed
        at the product's cost with no batch (negative stock)."""
        queue = self.batches[product_id]
        self.touched.add(product_id)
        if queue and queue[0][2] > quantity:  # the usual case: the oldest batch has enough
            head = queue[0]
            head[2] -= quantity
            return [(head[0], quantity, head[1])]
        draws = []
        left = quantity
        while left and queue:
            head = queue[0]
            take = min(left, head[2])
            draws.append((head[0], take, head[1]))
            head[2] -= take
            left -= take
            if head[2] == 0:
                queue.popleft()
        if left:
            draws.append((None, left, cost))
        return draws

    def _put_back(self, product_id: int, draws: Iterable[tuple[int | None, int, int]]) -> None:
        queue = self.batches[product_id]
        for batch_id, quantity, _cost in draws:
            if batch_id is None:
                continue
            for entry in queue:
                if entry[0] == batch_id:
                    entry[2] += quantity
                    break
            else:  # the batch was used up: it comes back at the front (it is the oldest)
                queue.appendleft([batch_id, self.batch_rows[batch_id][7], quantity])

    # --- the days -------------------------------------------------------------------------

    def write_master_data(self) -> None:
        """Users, categories, products, customers, suppliers: the rows the history points at."""
        self.master_data()
        stock_rows = self.buffers["stock_movement"]  # the opening stock goes with the history
        self.buffers["stock_movement"] = []
        batches = self.buffers["batch"]
        self.master_rows()
        self.flush()
        self.buffers["stock_movement"], self.buffers["batch"] = stock_rows, batches

    def generate(self) -> dict[str, int]:
        """The two years, after `write_master_data`; returns the rows written per table."""
        started = time.perf_counter()
        self.series: dict[str, int] = {}
        self.recent: deque = deque(maxlen=20_000)  # sales a return may come back for
        self.reversed: set[int] = set()
        self.shift_rows: list = []
        self.invoice_number = 0
        days_total = DAYS
        for offset in range(days_total):
            day = self.first_day + timedelta(days=offset)
            self._day(day, offset)
            if offset % 30 == 29 or offset == days_total - 1:
                self.flush()
                done = self.counts["sale_line"]
                self.progress(
                    f"reports: generated {offset + 1}/{days_total} days, {done:,} sale lines "
                    f"({time.perf_counter() - started:.0f} s)"
                )
        for batch in self.batch_rows.values():
            batch[9] = 0
        for queue in self.batches.values():
            for batch_id, _cost, left in queue:
                self.batch_rows[batch_id][9] = left
        self.buffers["batch"] = [tuple(row) for row in self.batch_rows.values()]
        now = _stamp(datetime.now(UTC).replace(tzinfo=None))
        for series, value in self.series.items():
            self.buffers["counter"].append((self._id("counter"), now, now, f"bill:{series}", value))
        self.flush()
        self.sink.update("product", "stock", sorted(self.stock.items()))
        self.sink.update("customer", "balance", sorted(self.balance.items()))
        self.sink.update("supplier", "balance", sorted(self.supplier_balance.items()))
        return self.counts

    @property
    def owner_id(self) -> int:
        return 1

    def _day(self, day: date, offset: int) -> None:
        rng = self.rng
        # Busier at weekends and growing over the two years.
        weekday = 1.25 if day.weekday() >= 5 else 0.95
        growth = 0.8 + 0.4 * offset / DAYS
        sales_today = round(SALES / DAYS * weekday * growth * rng.uniform(0.9, 1.1))
        self._restock(day)
        shifts = self._open_shifts(day, offset)
        events: list[tuple[int, int]] = []
        for _ in range(sales_today):
            events.append((_second_of_day(rng), 0))
        for _ in range(rng.randint(CREDIT_PAYMENTS_PER_DAY - 10, CREDIT_PAYMENTS_PER_DAY + 10)):
            events.append((_second_of_day(rng), 1))
        for _ in range(ADJUSTMENTS_PER_DAY):
            events.append((_second_of_day(rng), 2))
        for _ in range(rng.randint(1, 3)):
            events.append((_second_of_day(rng), 3))
        events.sort()
        today_sales: list[int] = []
        for second, kind in events:
            at = _stamp(self._utc(day, second))
            if kind == 0:
                draw = rng.random()
                if draw < VOID_SHARE and today_sales:
                    self._void(day, at, rng.choice(today_sales), shifts)
                elif draw < VOID_SHARE + RETURN_SHARE and self.recent:
                    self._return(day, at, shifts)
                else:
                    today_sales.append(self._sale(day, at, shifts))
            elif kind == 1:
                self._credit_payment(at, shifts)
            elif kind == 2:
                self._adjust(at)
            else:
                self._cash_movement(at, shifts)
        self._close_shifts(day, shifts)
        if day.weekday() == 0:
            self._pay_suppliers(day)

    # --- shifts ---------------------------------------------------------------------------

    def _open_shifts(self, day: date, offset: int) -> list[dict]:
        shifts = []
        opened = _stamp(self._utc(day, 8 * 3600 + 50 * 60))
        for index, terminal in enumerate(TERMINALS):
            user = self.cashiers[(offset + index) % len(self.cashiers)]
            shifts.append(
                {"id": self._id("shift"), "terminal": terminal, "user": user, "opened": opened,
                 "cash": 2_000 * RUPEE, "float": 2_000 * RUPEE}
            )  # fmt: skip
        return shifts

    def _close_shifts(self, day: date, shifts: list[dict]) -> None:
        closed = _stamp(self._utc(day, 21 * 3600 + 50 * 60))
        for shift in shifts:
            expected = shift["cash"]
            variance = self.rng.choice((0, 0, 0, -10 * RUPEE, 5 * RUPEE, -50 * PAISA))
            self.buffers["shift"].append(
                (shift["id"], shift["opened"], closed, shift["terminal"], shift["user"], "closed",
                 shift["opened"], closed, shift["user"], shift["float"], expected,
                 expected + variance, variance, "{}", "")
            )  # fmt: skip

    def _cash_movement(self, at: str, shifts: list[dict]) -> None:
        rng = self.rng
        shift = rng.choice(shifts)
        draw = rng.random()
        if draw < 0.75:
            category, low, high = rng.choice(EXPENSES)
            kind, amount, reason = "expense", rng.randint(low, high) * RUPEE, category
            shift["cash"] -= amount
        elif draw < 0.9:
            kind, category, amount, reason = "payout", "", rng.randint(100, 2_000) * RUPEE, "payout"
            shift["cash"] -= amount
        else:
            kind, category, amount, reason = (
                "cash_in",
                "",
                rng.randint(500, 2_000) * RUPEE,
                "change",
            )
            shift["cash"] += amount
        self.buffers["cash_movement"].append(
            (self._id("cash_movement"), at, at, shift["id"], kind, amount, category, reason,
             shift["user"], None)
        )  # fmt: skip

    # --- documents ------------------------------------------------------------------------

    def _number(self, day: date) -> tuple[str, int, str]:
        series = f"BILL-{day.year:04d}-NNNNNN"
        sequence = self.series.get(series, 0) + 1
        self.series[series] = sequence
        return series, sequence, f"BILL-{day.year:04d}-{sequence:06d}"

    def _sale(self, day: date, at: str, shifts: list[dict]) -> int:
        rng = self.rng
        shift = shifts[0] if rng.random() < 0.55 else shifts[1]
        customer = None
        if rng.random() < 0.35:
            customer = rng.choice(self.customers)
            if self.customer_day[customer] > day:
                customer = None
        count = min(40, max(1, round(rng.expovariate(1 / MEAN_LINES) + 0.5)))
        picked = dict.fromkeys(rng.choices(self.product_ids, cum_weights=self.cum_weights, k=count))
        sale_id = self._id("sale")
        lines = []
        item_count = gross_total = discount_total = tax_total = total = 0
        line_rows = self.buffers["sale_line"]
        draw_rows = self.buffers["sale_line_batch"]
        movement_rows = self.buffers["stock_movement"]
        for line_no, product_id in enumerate(picked, start=1):
            _pid, name, code, barcode, hsn, unit, price, rate, by_weight = self.products[
                product_id - self.product_ids[0]
            ]
            if by_weight:
                quantity = rng.choice((250, 500, 500, 750, 1_000, 1_000, 1_500, 2_000))
                gross = _half_up(price * quantity, UNIT * PAISA) * PAISA
            else:
                quantity = UNIT * (1 if rng.random() < 0.75 else rng.randint(2, 4))
                gross = price * quantity // UNIT
            discount = _in_paise(gross * 5 // 100) if rng.random() < 0.03 else 0
            line_total = gross - discount
            taxable = (
                _half_up(line_total * 100 * RATE_SCALE, (100 * RATE_SCALE + rate) * PAISA) * PAISA
            )
            tax = line_total - taxable
            cost = self.product_meta[product_id][2]
            draws = self._draw(product_id, quantity, cost)
            cost_total = 0
            line_id = self._id("sale_line")
            for batch_id, drawn, unit_cost in draws:
                part = _half_up(unit_cost * drawn, UNIT)
                cost_total += part
                draw_rows.append(
                    (self._id("sale_line_batch"), at, at, line_id, batch_id, drawn, unit_cost, part)
                )
            if len(draws) == 1 or all(d[2] == draws[0][2] for d in draws):
                unit_cost = draws[0][2]
            else:
                unit_cost = _half_up(cost_total * UNIT, quantity)
            line_rows.append(
                (line_id, at, at, sale_id, line_no, product_id, None, name, code, barcode, hsn,
                 unit, quantity, price, 0, gross, discount, 0, rate, taxable, tax, line_total,
                 unit_cost, cost_total, 1)
            )  # fmt: skip
            self.stock[product_id] -= quantity
            movement_rows.append(
                (self._id("stock_movement"), at, at, product_id, "sale", -quantity,
                 self.stock[product_id], unit_cost, "", "", sale_id, None, None, shift["user"],
                 shift["terminal"], None)
            )  # fmt: skip
            lines.append((line_id, product_id, quantity, gross, discount, taxable, tax,
                          line_total, cost_total, draws, price, rate, name, code, barcode, hsn,
                          unit, unit_cost))  # fmt: skip
            item_count += quantity
            gross_total += gross
            discount_total += discount
            tax_total += tax
            total += line_total
        # Tenders: credit for customers on udhaar, else cash, UPI, card or cash + UPI.
        tenders: list[tuple[str, int, int | None]] = []
        credit = 0
        if (
            customer is not None
            and self.credit_limit[customer]
            and rng.random() < 0.45
            and self.balance[customer] + total <= self.credit_limit[customer]
        ):
            if rng.random() < 0.7 or total < 100 * RUPEE:
                credit = total
            else:
                cash = _in_paise(total // 2 // RUPEE * RUPEE)
                tenders.append(("cash", cash, cash))
                credit = total - cash
        else:
            draw = rng.random()
            if draw < 0.05 and total >= 200 * RUPEE:
                cash = total // 2 // RUPEE * RUPEE
                tenders.append(("cash", cash, cash))
                tenders.append(("upi", total - cash, None))
            elif draw < 0.62:
                tendered = -(-total // (10 * RUPEE)) * 10 * RUPEE
                if rng.random() < 0.3:
                    tendered = -(-total // (100 * RUPEE)) * 100 * RUPEE
                tenders.append(("cash", total, tendered))
            elif draw < 0.92:
                tenders.append(("upi", total, None))
            else:
                tenders.append(("card", total, None))
        if credit:
            tenders.append(("credit", credit, None))
        tendered_total = sum(
            t[2] if t[2] is not None else t[1] for t in tenders if t[0] != "credit"
        )
        paid = sum(t[1] for t in tenders if t[0] != "credit")
        change = tendered_total - paid
        series, sequence, number = self._number(day)
        self.buffers["sale"].append(
            (sale_id, at, at, uuid.UUID(int=self.rng.getrandbits(128), version=4).hex, "sale",
             None, number, series, sequence, shift["terminal"], shift["user"], None, customer,
             shift["id"], 1, item_count, gross_total, discount_total, tax_total, 0, total,
             tendered_total, change, credit, 0, 0, 1, at, "", "")
        )  # fmt: skip
        credit_payment = None
        for method, amount, tendered in tenders:
            payment_id = self._id("payment")
            if method == "credit":
                credit_payment = payment_id
            if method == "cash":
                shift["cash"] += amount
            self.buffers["payment"].append(
                (payment_id, at, at, sale_id, customer, shift["id"], shift["user"],
                 shift["terminal"], method, "in", amount, tendered, "")
            )  # fmt: skip
        if credit:
            self._credit_entry(at, customer, "sale", credit, sale_id, credit_payment,
                               shift["user"], number)  # fmt: skip
        self.recent.append(
            (sale_id, day, customer, tenders, credit, lines, number, set())
        )  # fmt: skip
        return sale_id

    def _credit_entry(self, at, customer, kind, amount, sale_id, payment_id, user, note) -> None:
        self.balance[customer] += amount
        self.buffers["credit_entry"].append(
            (self._id("credit_entry"), at, at, customer, kind, amount, self.balance[customer],
             sale_id, payment_id, user, None, note)
        )  # fmt: skip

    def _reversal(self, day, at, shifts, original, lines, kind, refunds, reason) -> None:
        """A return or void of `lines` of `original` (full quantities), refunded as `refunds`
        [(method, amount)]; every amount on it is negative, as posterm writes them."""
        sale_id, _day, customer, _tenders, _credit, _lines, _number, returned = original
        shift = shifts[0] if self.rng.random() < 0.55 else shifts[1]
        document_id = self._id("sale")
        item_count = gross_total = discount_total = tax_total = total = 0
        for line_no, line in enumerate(lines, start=1):
            (line_id, product_id, quantity, gross, discount, taxable, tax, line_total, cost_total,
             draws, price, rate, name, code, barcode, hsn, unit, unit_cost) = line  # fmt: skip
            returned.add(line_id)
            new_line = self._id("sale_line")
            for batch_id, drawn, draw_cost in draws:
                self.buffers["sale_line_batch"].append(
                    (self._id("sale_line_batch"), at, at, new_line, batch_id, -drawn, draw_cost,
                     -_half_up(draw_cost * drawn, UNIT))
                )  # fmt: skip
            self._put_back(product_id, draws)
            self.buffers["sale_line"].append(
                (new_line, at, at, document_id, line_no, product_id, line_id, name, code,
                 barcode, hsn, unit, -quantity, price, 0, -gross, -discount, 0, rate, -taxable,
                 -tax, -line_total, unit_cost, -cost_total, 1)
            )  # fmt: skip
            self.stock[product_id] += quantity
            self.buffers["stock_movement"].append(
                (self._id("stock_movement"), at, at, product_id, kind, quantity,
                 self.stock[product_id], unit_cost, "", "", document_id, None, None,
                 shift["user"], shift["terminal"], None)
            )  # fmt: skip
            item_count += quantity
            gross_total += gross
            discount_total += discount
            tax_total += tax
            total += line_total
        credit = sum(amount for method, amount in refunds if method == "credit")
        series, sequence, number = self._number(day)
        self.buffers["sale"].append(
            (document_id, at, at, uuid.UUID(int=self.rng.getrandbits(128), version=4).hex, kind,
             sale_id, number, series, sequence, shift["terminal"], shift["user"],
             self.manager if kind == "void" else None, customer, shift["id"], 1, -item_count,
             -gross_total, -discount_total, -tax_total, 0, -total, -(total - credit), 0,
             -credit, 0, 0, 1, at, reason, "")
        )  # fmt: skip
        credit_payment = None
        for method, amount in refunds:
            payment_id = self._id("payment")
            if method == "credit":
                credit_payment = payment_id
            if method == "cash":
                shift["cash"] -= amount
            self.buffers["payment"].append(
                (payment_id, at, at, document_id, customer, shift["id"], shift["user"],
                 shift["terminal"], method, "out", amount, None, "")
            )  # fmt: skip
        if credit:
            self._credit_entry(at, customer, kind, -credit, document_id, credit_payment,
                               shift["user"], number)  # fmt: skip

    def _return(self, day: date, at: str, shifts: list[dict]) -> None:
        rng = self.rng
        original = rng.choice(self.recent)
        if original[0] in self.reversed:
            return
        open_lines = [line for line in original[5] if line[0] not in original[7]]
        if not open_lines:
            return
        lines = rng.sample(open_lines, min(len(open_lines), rng.choice((1, 1, 1, 2))))
        amount = sum(line[7] for line in lines)
        method = "credit" if original[4] else next(t[0] for t in original[3])
        self._reversal(day, at, shifts, original, lines, "return", [(method, amount)],
                       "customer returned")  # fmt: skip

    def _void(self, day: date, at: str, sale_id: int, shifts: list[dict]) -> None:
        original = next((s for s in reversed(self.recent) if s[0] == sale_id), None)
        if original is None or sale_id in self.reversed or original[7]:
            return
        self.reversed.add(sale_id)
        refunds = [(method, amount) for method, amount, _tendered in original[3]]
        self._reversal(day, at, shifts, original, original[5], "void", refunds, "wrong bill")

    def _credit_payment(self, at: str, shifts: list[dict]) -> None:
        rng = self.rng
        for _ in range(5):
            customer = rng.choice(self.credit_customers)
            owed = self.balance[customer]
            if owed > 0:
                break
        else:
            return
        if rng.random() < 0.4 or owed < 200 * RUPEE:
            amount = owed
        else:
            amount = max(RUPEE, owed * rng.randint(20, 80) // 100 // (10 * RUPEE) * 10 * RUPEE)
        shift = shifts[0]
        method = "cash" if rng.random() < 0.6 else "upi"
        if method == "cash":
            shift["cash"] += amount
        payment_id = self._id("payment")
        self.buffers["payment"].append(
            (payment_id, at, at, None, customer, shift["id"], shift["user"], shift["terminal"],
             method, "in", amount, amount if method == "cash" else None, "")
        )  # fmt: skip
        self._credit_entry(at, customer, "payment", -amount, None, payment_id, shift["user"], "")

    def _adjust(self, at: str) -> None:
        rng = self.rng
        product_id = rng.choices(self.product_ids, cum_weights=self.cum_weights)[0]
        quantity = UNIT * rng.randint(1, 3)
        cost = self.product_meta[product_id][2]
        self._draw(product_id, quantity, cost)
        self.stock[product_id] -= quantity
        self.buffers["stock_movement"].append(
            (self._id("stock_movement"), at, at, product_id, "adjustment", -quantity,
             self.stock[product_id], cost, "damaged", "", None, None, None, self.manager, "",
             None)
        )  # fmt: skip

    # --- purchases ------------------------------------------------------------------------

    def _restock(self, day: date) -> None:
        """Goods in each morning for what fell to its minimum, one invoice per supplier."""
        low: dict[int, list[int]] = {}
        # Only what sold or was adjusted since yesterday's delivery can have fallen low.
        touched, self.touched = self.touched, set()
        for product_id in sorted(touched):
            if self.stock[product_id] <= self.min_stock[product_id]:
                low.setdefault(self.supplier_of[product_id], []).append(product_id)
        at = _stamp(self._utc(day, 7 * 3600 + 30 * 60))
        rng = self.rng
        for supplier_id, products in sorted(low.items()):
            purchase_id = self._id("purchase")
            self.invoice_number += 1
            subtotal = tax_total = 0
            rows = []
            for product_id in products:
                _category, _rate_id, cost, track_expiry = self.product_meta[product_id]
                rate = self.products[product_id - self.product_ids[0]][7]
                unit_cost = _in_paise(cost * rng.randint(97, 103) // 100)
                quantity = self.reorder_qty[product_id]
                value = unit_cost * quantity // UNIT
                tax = _half_up(value * rate, 100 * RATE_SCALE * PAISA) * PAISA
                line_id = self._id("purchase_line")
                number = f"L{self.invoice_number}-{product_id}"
                expiry = (day + timedelta(days=rng.randint(60, 400))).isoformat() if (
                    track_expiry) else None  # fmt: skip
                rows.append(
                    (line_id, at, at, purchase_id, product_id, quantity, unit_cost, rate, tax,
                     value + tax, number, expiry)
                )  # fmt: skip
                subtotal += value
                tax_total += tax
                self._receive(product_id, quantity, unit_cost, purchase_id, line_id, number,
                              expiry, at, "purchase")  # fmt: skip
            total = subtotal + tax_total
            self.buffers["purchase"].append(
                (purchase_id, at, at, supplier_id, f"INV-{self.invoice_number:06d}",
                 day.isoformat(), subtotal, tax_total, total, 0, self.manager, "")
            )  # fmt: skip
            self.buffers["purchase_line"].extend(rows)
            self._supplier_entry(at, supplier_id, "purchase", total, purchase_id, "")

    def _supplier_entry(self, at, supplier_id, kind, amount, purchase_id, method) -> None:
        self.supplier_balance[supplier_id] += amount
        self.buffers["supplier_entry"].append(
            (self._id("supplier_entry"), at, at, supplier_id, kind, amount,
             self.supplier_balance[supplier_id], purchase_id, method, "", self.manager, "")
        )  # fmt: skip

    def _pay_suppliers(self, day: date) -> None:
        at = _stamp(self._utc(day, 19 * 3600))
        for supplier_id in self.suppliers:
            owed = self.supplier_balance[supplier_id]
            if owed > 0 and self.rng.random() < 0.8:
                amount = _in_paise(owed * self.rng.randint(60, 100) // 100)
                self._supplier_entry(at, supplier_id, "payment", -amount, None, "bank")


def _cumulative(weights: Sequence[float]) -> Iterable[float]:
    running = 0.0
    for weight in weights:
        running += weight
        yield running


_HOUR_WEIGHTS = [0] * 9 + [4, 6, 8, 9, 8, 6, 5, 6, 8, 10, 11, 9, 4] + [0, 0]
_HOUR_CUMULATIVE = list(_cumulative(_HOUR_WEIGHTS))


def _second_of_day(rng: random.Random) -> int:
    """A moment of the shop's day (9:00 to 21:59 local), busier in the evening."""
    hour = bisect.bisect_right(_HOUR_CUMULATIVE, rng.random() * _HOUR_CUMULATIVE[-1])
    return hour * 3600 + rng.randrange(3600)


# --- writing -------------------------------------------------------------------------------


class Sink:
    """Where the rows go: `insert` many rows of a table, `update` one column by id."""

    def insert(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        raise NotImplementedError

    def update(self, table: str, column: str, values: list[tuple[int, int]]) -> None:
        raise NotImplementedError


class SqliteSink(Sink):
    def __init__(self, connection) -> None:
        self.connection = connection

    def insert(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        marks = ", ".join("?" * len(columns))
        names = ", ".join(f'"{c}"' for c in columns)
        self.connection.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    def update(self, table: str, column: str, values: list[tuple[int, int]]) -> None:
        self.connection.executemany(
            f'UPDATE "{table}" SET "{column}" = ? WHERE "id" = ?', [(v, k) for k, v in values]
        )


class PostgresSink(Sink):
    """COPY in text format (booleans go as 1/0, which PostgreSQL reads as booleans)."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor

    def insert(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        buffer = io.StringIO()
        buffer.writelines(
            "\t".join(["\\N" if v is None else str(v) for v in row]) + "\n" for row in rows
        )
        buffer.seek(0)
        names = ", ".join(f'"{c}"' for c in columns)
        self.cursor.copy_expert(f'COPY "{table}" ({names}) FROM STDIN', buffer)

    def update(self, table: str, column: str, values: list[tuple[int, int]]) -> None:
        self.cursor.execute("CREATE TEMP TABLE cache_values (id bigint, value bigint)")
        self.insert("cache_values", ("id", "value"), values)
        self.cursor.execute(
            f'UPDATE "{table}" SET "{column}" = v.value FROM cache_values v '
            f'WHERE "{table}".id = v.id'
        )
        self.cursor.execute("DROP TABLE cache_values")
