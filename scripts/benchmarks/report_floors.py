"""Hand-written SQL for each report and the dashboard: the floor of the reports benchmark.

Each floor does the work its report does, in as few plain SQL statements as the work allows,
on the raw DB-API cursor (no peewee), and turns the rows into the report's own row form
(labels, Decimals), so the benchmark can assert the two agree. The local day of a stored UTC
time is cut with the store's fixed UTC offset (Asia/Kolkata has no DST, so one offset covers
any range, as it does for the report).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from posterm.domain.stock import suggested_reorder

MONEY = Decimal(1).scaleb(-4)
QUANTITY = Decimal(1).scaleb(-3)


def money(raw: Any) -> Decimal:
    return Decimal(int(raw or 0)).scaleb(-4)


def quantity(raw: Any) -> Decimal:
    return Decimal(int(raw or 0)).scaleb(-3)


class Floors:
    """The floors over one database connection (`cursor` of the raw DB-API connection)."""

    def __init__(self, connection: Any, postgres: bool, zone: ZoneInfo, now: datetime) -> None:
        self.connection = connection
        self.now = now  # the reorder window ends here (the benchmark pins posterm's clock)
        self.postgres = postgres
        self.zone = zone
        self.mark = "%s" if postgres else "?"

    # --- helpers --------------------------------------------------------------------------

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        cursor = self.connection.cursor()
        cursor.execute(sql.replace("?", self.mark), params)
        found = cursor.fetchall()
        cursor.close()
        return found

    def _bounds(self, first: date, last: date) -> tuple[str, str]:
        def start(day: date) -> str:
            moment = datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)
            return moment.strftime("%Y-%m-%d %H:%M:%S")

        return start(first), start(last + timedelta(days=1))

    def _minutes(self, day: date) -> int:
        offset = datetime.combine(day, time(0), tzinfo=self.zone).utcoffset()
        return int(offset.total_seconds() // 60) if offset else 0

    def _day(self, column: str, minutes: int) -> str:
        if self.postgres:
            return f"CAST({column} + interval '{minutes} minutes' AS date)"
        return f"date({column}, '{minutes:+d} minutes')"

    def _hour(self, column: str, minutes: int) -> str:
        if self.postgres:
            return f"CAST(extract(hour FROM {column} + interval '{minutes} minutes') AS integer)"
        return f"CAST(strftime('%H', {column}, '{minutes:+d} minutes') AS integer)"

    # --- the reports ----------------------------------------------------------------------

    def sales_by_day(self, first: date, last: date) -> list[tuple]:
        day = self._day("created_at", self._minutes(first))
        sql = f"""
            SELECT {day} AS day,
                   SUM(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN kind = 'sale' THEN total ELSE 0 END),
                   SUM(CASE WHEN kind = 'return' THEN total ELSE 0 END),
                   SUM(CASE WHEN kind = 'void' THEN total ELSE 0 END),
                   SUM(total), SUM(tax_total)
            FROM sale WHERE created_at >= ? AND created_at < ?
            GROUP BY 1 ORDER BY 1"""
        return [
            (_day_label(d), int(b), *map(money, rest))
            for d, b, *rest in self.rows(sql, self._bounds(first, last))
        ]

    def sales_by_hour(self, first: date, last: date) -> list[tuple]:
        hour = self._hour("created_at", self._minutes(first))
        sql = f"""
            SELECT {hour}, SUM(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END), SUM(total)
            FROM sale WHERE created_at >= ? AND created_at < ? GROUP BY 1 ORDER BY 1"""
        return [
            (f"{h:02d}:00-{h:02d}:59", int(b), money(n))
            for h, b, n in self.rows(sql, self._bounds(first, last))
        ]

    def sales_by_item(self, first: date, last: date, limit: int | None = None) -> list[tuple]:
        sql = """
            SELECT MAX(l.code), MAX(l.name), SUM(l.quantity), SUM(l.line_total) AS net,
                   SUM(l.tax_amount), SUM(l.cost_total), SUM(l.taxable_value)
            FROM sale_line l JOIN sale s ON s.id = l.sale_id
            WHERE s.created_at >= ? AND s.created_at < ?
            GROUP BY l.product_id, l.code ORDER BY net DESC, MAX(l.name)"""
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [
            (code, name, quantity(q), money(n), money(t), money(c), money(tv) - money(c))
            for code, name, q, n, t, c, tv in self.rows(sql, self._bounds(first, last))
        ]

    def sales_by_category(self, first: date, last: date) -> list[tuple]:
        sql = """
            SELECT COALESCE(c.name, '(none)') AS category, SUM(l.quantity),
                   SUM(l.taxable_value), SUM(l.tax_amount), SUM(l.line_total)
            FROM sale_line l JOIN sale s ON s.id = l.sale_id
            LEFT JOIN product p ON p.id = l.product_id
            LEFT JOIN category c ON c.id = p.category_id
            WHERE s.created_at >= ? AND s.created_at < ?
            GROUP BY 1 ORDER BY 1"""
        return [
            (name, quantity(q), *map(money, rest))
            for name, q, *rest in self.rows(sql, self._bounds(first, last))
        ]

    def sales_by_cashier(self, first: date, last: date) -> list[tuple]:
        sql = """
            SELECT MAX(COALESCE(NULLIF(u.full_name, ''), u.username)) AS who,
                   SUM(CASE WHEN s.kind = 'sale' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN s.kind = 'sale' THEN s.total ELSE 0 END),
                   SUM(CASE WHEN s.kind <> 'sale' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN s.kind <> 'sale' THEN s.total ELSE 0 END),
                   SUM(s.total)
            FROM sale s JOIN app_user u ON u.id = s.user_id
            WHERE s.created_at >= ? AND s.created_at < ?
            GROUP BY s.user_id ORDER BY who"""
        return [
            (who, int(b), money(sold), int(r), money(rev), money(net))
            for who, b, sold, r, rev, net in self.rows(sql, self._bounds(first, last))
        ]

    def sales_by_payment(self, first: date, last: date) -> list[tuple]:
        sql = """
            SELECT method, COUNT(*),
                   SUM(CASE WHEN direction = 'in' THEN amount ELSE 0 END),
                   SUM(CASE WHEN direction = 'out' THEN amount ELSE 0 END)
            FROM payment
            WHERE sale_id IS NOT NULL AND created_at >= ? AND created_at < ?
            GROUP BY method ORDER BY method"""
        return [
            (m, int(n), money(i), money(o), money(i) - money(o))
            for m, n, i, o in self.rows(sql, self._bounds(first, last))
        ]

    def tax_summary(self, first: date, last: date) -> list[tuple]:
        sql = """
            SELECT l.tax_rate, l.hsn_code, SUM(l.taxable_value), SUM(l.tax_amount)
            FROM sale_line l JOIN sale s ON s.id = l.sale_id
            WHERE s.created_at >= ? AND s.created_at < ?
            GROUP BY l.tax_rate, l.hsn_code ORDER BY l.tax_rate, l.hsn_code"""
        return [
            (f"{money(rate).normalize():f}%", hsn or "-", money(t), money(x), money(t) + money(x))
            for rate, hsn, t, x in self.rows(sql, self._bounds(first, last))
        ]

    def profit_and_loss(self, first: date, last: date) -> list[tuple]:
        bounds = self._bounds(first, last)
        [(sold, reversed_, cost)] = self.rows(
            """
            SELECT SUM(CASE WHEN s.kind = 'sale' THEN l.taxable_value ELSE 0 END),
                   SUM(CASE WHEN s.kind <> 'sale' THEN l.taxable_value ELSE 0 END),
                   SUM(l.cost_total)
            FROM sale_line l JOIN sale s ON s.id = l.sale_id
            WHERE s.created_at >= ? AND s.created_at < ?""",
            bounds,
        )
        [(spent,)] = self.rows(
            "SELECT SUM(amount) FROM cash_movement "
            "WHERE kind = 'expense' AND created_at >= ? AND created_at < ?",
            bounds,
        )
        net = money(sold) + money(reversed_)
        gross = net - money(cost)
        figures = [
            ("Sales (before tax)", money(sold)),
            ("Returns and voids", money(reversed_)),
            ("Net sales", net),
            ("Cost of goods sold", -money(cost)),
            ("Gross profit", gross),
            ("Expenses", -money(spent)),
            ("Net profit", gross - money(spent)),
        ]
        return [(label, _cents(amount)) for label, amount in figures]

    def inventory_valuation(self, first: date, last: date) -> list[tuple]:
        sql = """
            SELECT COALESCE(c.name, '(none)') AS category, COUNT(p.id), SUM(p.stock),
                   SUM(p.stock * p.cost), SUM(p.stock * p.price)
            FROM product p LEFT JOIN category c ON c.id = p.category_id
            WHERE p.status = 'active' AND p.deleted_at IS NULL AND p.stock > 0
            GROUP BY 1 ORDER BY 1"""
        return [
            (name, int(n), quantity(q), _cents(Decimal(int(vc)).scaleb(-7)),
             _cents(Decimal(int(vp)).scaleb(-7)))
            for name, n, q, vc, vp in self.rows(sql)
        ]  # fmt: skip

    def credit_outstanding(self, first: date, last: date) -> list[tuple]:
        """Ageing in SQL, at the close of `last` (the ledger before it): credits pay the oldest
        debts first, so a debt's unpaid part is what the running sum of debts up to it exceeds
        all credits by (at most the debt itself)."""
        day = self._day("e.created_at", self._minutes(last))
        age = (
            f"(CAST(? AS date) - {day})" if self.postgres else f"(julianday(?) - julianday({day}))"
        )
        sql = f"""
            WITH owing AS (
                SELECT c.id, c.name, c.phone, SUM(e.amount) AS balance
                FROM customer c JOIN credit_entry e ON e.customer_id = c.id
                WHERE c.deleted_at IS NULL AND e.created_at < ?
                GROUP BY c.id, c.name, c.phone HAVING SUM(e.amount) > 0),
            ledger AS (
                SELECT e.customer_id, e.amount, {age} AS age,
                       SUM(CASE WHEN e.amount > 0 THEN e.amount ELSE 0 END)
                           OVER (PARTITION BY e.customer_id ORDER BY e.id) AS debts_so_far,
                       SUM(CASE WHEN e.amount < 0 THEN -e.amount ELSE 0 END)
                           OVER (PARTITION BY e.customer_id) AS credits
                FROM credit_entry e JOIN owing o ON o.id = e.customer_id
                WHERE e.created_at < ?),
            unpaid AS (
                SELECT customer_id, age,
                       CASE WHEN debts_so_far - credits >= amount THEN amount
                            ELSE debts_so_far - credits END AS left_over
                FROM ledger WHERE amount > 0 AND debts_so_far > credits)
            SELECT o.name, o.phone, o.balance,
                   SUM(CASE WHEN u.age <= 30 THEN u.left_over ELSE 0 END),
                   SUM(CASE WHEN u.age > 30 AND u.age <= 60 THEN u.left_over ELSE 0 END),
                   SUM(CASE WHEN u.age > 60 AND u.age <= 90 THEN u.left_over ELSE 0 END),
                   SUM(CASE WHEN u.age > 90 THEN u.left_over ELSE 0 END)
            FROM owing o LEFT JOIN unpaid u ON u.customer_id = o.id
            GROUP BY o.id, o.name, o.phone, o.balance
            ORDER BY o.balance DESC, o.name"""
        end = self._bounds(last, last)[1]
        # In the order of the marks: owing's end, the ledger's day of ageing, the ledger's end.
        params = (end, last.isoformat(), end)
        return [
            (name, phone or "", money(balance), *map(money, buckets))
            for name, phone, balance, *buckets in self.rows(sql, params)
        ]

    def supplier_dues(self, first: date, last: date) -> list[tuple]:
        """Bought and paid in the range; owed at the close of `last` (its ledger before then)."""
        sql = """
            SELECT s.name, s.phone,
                   SUM(CASE WHEN e.created_at >= ? AND e.created_at < ? AND e.kind = 'purchase'
                            THEN e.amount ELSE 0 END),
                   SUM(CASE WHEN e.created_at >= ? AND e.created_at < ? AND e.kind = 'payment'
                            THEN e.amount ELSE 0 END),
                   SUM(e.amount) AS owed
            FROM supplier s JOIN supplier_entry e ON e.supplier_id = s.id
            WHERE s.deleted_at IS NULL AND e.created_at < ?
            GROUP BY s.id, s.name, s.phone
            ORDER BY owed DESC, s.name"""
        bounds = self._bounds(first, last)
        return [
            (name, phone, money(b), -money(p), money(owed))
            for name, phone, b, p, owed in self.rows(sql, bounds + bounds + (bounds[1],))
            if owed or b or p
        ]

    def expenses(self, first: date, last: date) -> list[tuple]:
        sql = """
            SELECT COALESCE(NULLIF(category, ''), '(none)') AS c, COUNT(*), SUM(amount)
            FROM cash_movement
            WHERE kind = 'expense' AND created_at >= ? AND created_at < ?
            GROUP BY 1 ORDER BY 1"""
        return [(c, int(n), money(a)) for c, n, a in self.rows(sql, self._bounds(first, last))]

    def stock_movements(self, first: date, last: date) -> list[tuple]:
        sql = """
            SELECT p.code, p.name,
                   SUM(CASE WHEN m.kind = 'purchase' THEN m.quantity ELSE 0 END),
                   SUM(CASE WHEN m.kind IN ('sale', 'return', 'void') THEN m.quantity ELSE 0 END),
                   SUM(CASE WHEN m.kind IN ('opening', 'adjustment', 'count')
                            THEN m.quantity ELSE 0 END),
                   SUM(m.quantity)
            FROM stock_movement m JOIN product p ON p.id = m.product_id
            WHERE m.created_at >= ? AND m.created_at < ?
            GROUP BY p.id, p.code, p.name ORDER BY p.name, p.id"""
        return [
            (code, name, *map(quantity, figures))
            for code, name, *figures in self.rows(sql, self._bounds(first, last))
        ]

    def reorder(self, first: date, last: date) -> list[tuple]:
        days = min((last - first).days + 1, 3650)
        since = (self.now - timedelta(days=days)).replace(tzinfo=None)
        sql = """
            SELECT p.code, p.name, p.stock, p.min_stock, p.reorder_qty, p.sold_by_weight,
                   COALESCE(sold.quantity, 0)
            FROM product p LEFT JOIN (
                SELECT product_id, -SUM(quantity) AS quantity FROM stock_movement
                WHERE created_at >= ? AND kind IN ('sale', 'return', 'void')
                GROUP BY product_id) sold ON sold.product_id = p.id
            WHERE p.status = 'active' AND p.deleted_at IS NULL
              AND (p.stock < COALESCE(sold.quantity, 0) + p.min_stock
                   OR (p.min_stock > 0 AND p.stock <= p.min_stock))
            ORDER BY p.search_name, p.id"""
        rows = []
        for code, name, stock, minimum, reorder_qty, weight, sold in self.rows(
            sql, (since.strftime("%Y-%m-%d %H:%M:%S.%f"),)
        ):
            stock, minimum, sold = quantity(stock), quantity(minimum), quantity(sold)
            suggested = suggested_reorder(
                stock, minimum, quantity(reorder_qty), sold, whole_units=not weight
            )
            rows.append((code, name, stock, minimum, sold, suggested))
        return rows

    # --- the dashboard --------------------------------------------------------------------

    def dashboard(self, today: date) -> dict[str, Any]:
        bounds = self._bounds(today, today)
        [(bills, net)] = self.rows(
            "SELECT SUM(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END), SUM(total) FROM sale "
            "WHERE created_at >= ? AND created_at < ?",
            bounds,
        )
        methods = {
            m: money(i) - money(o)
            for m, i, o in self.rows(
                "SELECT method, SUM(CASE WHEN direction = 'in' THEN amount ELSE 0 END), "
                "SUM(CASE WHEN direction = 'out' THEN amount ELSE 0 END) FROM payment "
                "WHERE sale_id IS NOT NULL AND created_at >= ? AND created_at < ? "
                "GROUP BY method",
                bounds,
            )
        }
        tenders = [(m, methods.pop(m, Decimal(0))) for m in ("cash", "credit")]
        tenders.append(("other", sum(methods.values(), Decimal(0))))
        week = self._bounds(today - timedelta(days=6), today)[0]
        soon = (today + timedelta(days=30)).isoformat()
        [(owing, owed, low, expiring, new)] = self.rows(
            """
            SELECT (SELECT COUNT(*) FROM customer WHERE deleted_at IS NULL AND balance > 0),
                   (SELECT SUM(balance) FROM customer WHERE deleted_at IS NULL AND balance > 0),
                   (SELECT COUNT(*) FROM product WHERE status = 'active'
                        AND deleted_at IS NULL AND stock <= min_stock),
                   (SELECT COUNT(*) FROM batch b JOIN product p ON p.id = b.product_id
                        WHERE b.expiry_date IS NOT NULL AND b.expiry_date <= ?
                        AND b.quantity_remaining > 0 AND p.deleted_at IS NULL),
                   (SELECT COUNT(*) FROM customer WHERE created_at >= ? AND deleted_at IS NULL)
            """,
            (soon, week),
        )
        top = self.sales_by_item(today, today, limit=5)
        first = today - timedelta(days=13)
        by_day = {row[0]: row[5] for row in self.sales_by_day(first, today)}
        trend = tuple(by_day.get(_day_label(first + timedelta(i)), Decimal(0)) for i in range(14))
        return {
            "net_sales": money(net),
            "bills": int(bills or 0),
            "tenders": tuple(tenders),
            "credit_owed": money(owed),
            "customers_owing": int(owing),
            "low_stock": int(low),
            "expiring": int(expiring),
            "new_customers": int(new),
            "top_items": tuple((row[1], row[2], row[3]) for row in top),
            "trend": trend,
        }

    def report(self, name: str) -> Callable[[date, date], list[tuple]]:
        return getattr(self, name.replace("-", "_"))


def _day_label(value: Any) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day:%d-%m-%Y %a}"


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
