"""Credit benchmark: taking a payment and reading the credit list, against raw SQL.

A store of CUSTOMERS customers (2,000) with ENTRIES credit entries each (50: sales and
payments, so 100,000 in all) is bulk-inserted into a temporary SQLite store, and into
PostgreSQL too when POSTERM_TEST_PG names a server (a schema of its own, dropped afterwards).
Then, alternating each call with its floor:

- payment: `credit.take_payment` (customer locked, balance from the ledger, Payment row,
  credit entry, cache), against the same three writes as raw SQL in one transaction;
- credit list: a page of 50 of `credit.customer_balances` sorted by amount and by oldest
  unpaid, against a raw `SELECT * FROM customer WHERE balance <> 0 ORDER BY balance DESC
  LIMIT 50` (which does not know how old anything is).

The figures are medians of `runs` calls; the targets are ratios (payment <= 4x its floor) and
an absolute bound for the list (a page in under 500 ms at 100k entries).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from stores import postgres_store, sqlite_store

from posterm.data.fields import utc_now
from posterm.data.models import CreditEntry, Customer, User, database
from posterm.domain.permissions import Actor, Role, command_line_actor
from posterm.services import credit, system
from posterm.services.store import init_store

CUSTOMERS = 2_000
ENTRIES = 50
PAYMENT_TARGET_RATIO = 4.0
LIST_TARGET_MS = 500.0
SEED = 20261201

Figures = dict[str, Any]
Row = tuple[str, str, str, str, str]


def generate(rng: random.Random, user_id: int) -> None:
    with database.atomic():
        rows = []
        for number in range(CUSTOMERS):
            customer = Customer.create(
                code=f"B{number:05d}",
                name=f"Customer {number}",
                search_name=f"customer {number}",
                phone=f"9{number:09d}",
                credit_limit=Decimal(50_000),
            )
            balance = Decimal(0)
            for _ in range(ENTRIES):
                amount = Decimal(rng.randrange(-300, 500))
                amount = max(amount, -balance) or Decimal(10)
                balance += amount
                rows.append(
                    {
                        "customer": customer.id,
                        "kind": "sale" if amount > 0 else "payment",
                        "amount": amount,
                        "balance_after": balance,
                        "user": user_id,
                    }
                )
            Customer.update(balance=balance).where(Customer.id == customer.id).execute()
        for start in range(0, len(rows), 5_000):
            CreditEntry.insert_many(rows[start : start + 5_000]).execute()


def _ms(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _raw_payment(customer_id: int, user_id: int) -> None:
    db = database.obj
    p = db.param
    now = utc_now().replace(tzinfo=None)
    with database.atomic():
        balance = db.execute_sql(
            f"SELECT balance_after FROM credit_entry WHERE customer_id = {p} "
            "ORDER BY id DESC LIMIT 1",
            (customer_id,),
        ).fetchone()[0]
        cursor = db.execute_sql(
            "INSERT INTO payment (created_at, updated_at, customer_id, user_id, terminal, "
            f"method, direction, amount, reference) VALUES ({p}, {p}, {p}, {p}, 'bench', "
            f"'cash', 'in', 10000, '')" + (" RETURNING id" if p == "%s" else ""),
            (now, now, customer_id, user_id),
        )
        payment_id = cursor.fetchone()[0] if p == "%s" else cursor.lastrowid
        db.execute_sql(
            "INSERT INTO credit_entry (created_at, updated_at, customer_id, kind, amount, "
            f"balance_after, payment_id, user_id, note) VALUES ({p}, {p}, {p}, 'payment', "
            f"-10000, {p}, {p}, {p}, '')",
            (now, now, customer_id, balance - 10000, payment_id, user_id),
        )
        db.execute_sql(
            f"UPDATE customer SET balance = {p} WHERE id = {p}", (balance - 10000, customer_id)
        )


def bench_database(url: str, runs: int, progress: Callable[[str], None]) -> Figures:
    opened = system.open_store(url)
    try:
        init_store(command_line_actor("bench", "bench-till"), "Bench Store", "owner", "benchpass")
        owner = User.get(User.username == "owner")
        actor = Actor(owner.id, owner.username, Role.OWNER, "bench-till")
        progress(f"credit: {opened.kind}: {CUSTOMERS * ENTRIES:,} credit entries")
        generate(random.Random(SEED), owner.id)
        if opened.kind == "PostgreSQL":
            for table in ("customer", "credit_entry", "payment"):
                database.execute_sql(f"VACUUM ANALYZE {table}")
        rng = random.Random(SEED + 1)
        owing = [c.id for c in Customer.select(Customer.id).where(Customer.balance > 1000)]
        ours, floor = [], []
        for index in range(runs * 10 + 5):
            customer_id = rng.choice(owing)
            pair = [
                lambda c=customer_id: credit.take_payment(actor, c, Decimal("1.00")),
                lambda c=customer_id: _raw_payment(c, owner.id),
            ]
            first, second = pair if index % 2 == 0 else pair[::-1]
            a, b = _ms(first), _ms(second)
            if index >= 5:  # the first few warm the caches
                mine, least = (a, b) if index % 2 == 0 else (b, a)
                ours.append(mine)
                floor.append(least)
        raw_sql = "SELECT * FROM customer WHERE balance <> 0 ORDER BY balance DESC LIMIT 50"
        lists = {}
        for sort in ("amount", "oldest"):
            credit.customer_balances(sort)
            lists[sort] = statistics.median(
                _ms(lambda s=sort: credit.customer_balances(s)) for _ in range(runs)
            )
        list_floor = statistics.median(
            _ms(lambda: database.execute_sql(raw_sql).fetchall()) for _ in range(runs)
        )
    finally:
        system.close()
    return {
        "payment": {"posterm_ms": statistics.median(ours), "floor_ms": statistics.median(floor)},
        "list": {"by_amount_ms": lists["amount"], "by_oldest_ms": lists["oldest"]},
        "list_floor_ms": list_floor,
    }


def run_credit(runs: int, progress: Callable[[str], None]) -> Figures:
    import os

    results: Figures = {}
    with sqlite_store() as url:
        results["SQLite"] = bench_database(url, runs, progress)
    pg = os.environ.get("POSTERM_TEST_PG", "")
    if pg:
        with postgres_store(pg, "credit") as url:
            results["PostgreSQL"] = bench_database(url, runs, progress)
    return results


def credit_rows(figures: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for kind, got in figures.items():
        pay = got["payment"]
        ratio = pay["posterm_ms"] / pay["floor_ms"] if pay["floor_ms"] else float("inf")
        met = "" if ratio <= PAYMENT_TARGET_RATIO else " MISSED"
        rows.append(
            (
                f"{kind}: take a payment",
                f"{pay['posterm_ms']:.2f} ms",
                f"{pay['floor_ms']:.2f} ms",
                f"{ratio:.1f}x",
                f"<= {PAYMENT_TARGET_RATIO:.0f}x{met}",
            )
        )
        for sort, key in (("amount", "by_amount_ms"), ("oldest unpaid", "by_oldest_ms")):
            ms = got["list"][key]
            floor = got["list_floor_ms"]
            met = "" if ms <= LIST_TARGET_MS else " MISSED"
            rows.append(
                (
                    f"{kind}: credit list by {sort}",
                    f"{ms:.1f} ms",
                    f"{floor:.1f} ms",
                    f"{ms / floor:.0f}x" if floor else "-",
                    f"<= {LIST_TARGET_MS:.0f} ms{met}",
                )
            )
    return rows
