"""Concurrency: several till processes sell the same few products to the same few customers.

Each till is a process of its own (forked, so it starts in milliseconds) with its own
connection, doing a random mix, for a fixed time, of checkouts (cash with change, UPI and
cash, part or all on credit), returns of recent bills from any till, credit payments and
stock adjustments. A checkout is sometimes sent twice, as a till retrying after a timeout
would: the second must answer the same sale. Afterwards the doctor and the crash checks
must find nothing, and every sale a till was told about must be there.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
import traceback
from collections import Counter
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

from posterm.data.models import Sale
from posterm.domain.returns import REFUND_ORIGINAL, ReturnLineRequest, ReturnRequest
from posterm.domain.sale import CASH
from posterm.domain.stock import AdjustReason
from posterm.services import checkout, credit, returns, stock, system
from posterm.services.settings import load_settings

from . import invariants, stores, tills
from .results import ScenarioResult
from .shop import Shop, set_up_shop

OPENING_STOCK = Decimal(40)
CREDIT_LIMIT = Decimal(1500)
# How often each till does what: mostly sales, as at a real counter.
MIX = {"checkout": 55, "return": 12, "credit payment": 13, "stock adjustment": 20}
RETRY_SHARE = 0.1  # checkouts sent a second time with the same cart
RECENT_BILLS = 20  # returns pick among the newest bills of every till
GRACE_SECONDS = 60  # a till still running this long after its time is up is stuck


def run(url: str, database: str, tills_count: int, seconds: float, seed: int, tmp: Path):
    result = ScenarioResult("concurrency", database)
    started = time.monotonic()
    system.open_store(url)
    shop = set_up_shop(tills_count, opening_stock=OPENING_STOCK, credit_limit=CREDIT_LIMIT)
    stores.release()
    start_at = time.time() + 0.3  # every till starts at once, for the most contention
    stop_at = start_at + seconds
    children = {}
    for n in range(len(shop.cashiers)):
        out = tmp / f"{database}-till-{n}.json"
        children[_fork(url, shop, n, seed * 1000 + n, start_at, stop_at, out)] = out
    _wait(children, stop_at + GRACE_SECONDS, result)

    reported: list[tuple[int, str]] = []
    for out in children.values():
        if not out.exists():
            continue
        tally = json.loads(out.read_text())
        result.details.update(tally["done"])
        result.details.update({f"refused: {k}": v for k, v in tally["refused"].items()})
        result.operations += sum(tally["done"].values())
        result.refusals += sum(tally["refused"].values())
        result.errors.extend(tally["errors"])
        result.violations.extend(tally["violations"])
        reported.extend((sale_id, cart) for sale_id, cart in tally["sales"])
    system.open_store(url, upgrade_schema=False)
    result.violations.extend(invariants.missing_sales(reported))
    result.violations.extend(invariants.violations())
    result.details["sales in the database"] = Sale.select().where(Sale.kind == "sale").count()
    result.details["tills"] = tills_count
    stores.release()
    result.seconds = time.monotonic() - started
    return result


def _fork(url, shop, n, seed, start_at, stop_at, out) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        _till(url, shop, n, seed, start_at, stop_at, out)
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def _wait(children: dict[int, Path], deadline: float, result: ScenarioResult) -> None:
    waiting = set(children)
    while waiting:
        for pid in list(waiting):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                waiting.discard(pid)
                if os.waitstatus_to_exitcode(status) != 0:
                    result.errors.append(f"till process {pid} died ({status=})")
        if waiting and time.time() > deadline:
            for pid in waiting:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                result.errors.append(f"till process {pid} was stuck and was killed")
            return
        time.sleep(0.05)


class _Till:
    """One till's loop; its tally goes to a JSON file the parent reads."""

    def __init__(self, shop: Shop, n: int, seed: int) -> None:
        self.shop = shop
        self.actor = shop.cashiers[n]
        self.rng = random.Random(seed)
        self.products = tills.load_products(shop.product_ids)
        self.settings = load_settings()
        self.done: Counter = Counter()
        self.refused: Counter = Counter()
        self.errors: list[str] = []
        self.violations: list[str] = []
        self.sales: list[tuple[int, str]] = []

    def step(self) -> None:
        name = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        action = {
            "checkout": self.checkout,
            "return": self.give_back,
            "credit payment": self.take_payment,
            "stock adjustment": self.adjust_stock,
        }[name]
        try:
            if action() is not False:
                self.done[name] += 1
        except tills.REFUSALS as error:
            self.refused[tills.refusal_kind(error)] += 1
        except Exception as error:
            where = traceback.extract_tb(error.__traceback__)[-1]
            text = " ".join(str(error).split())  # PostgreSQL's errors span lines
            self.errors.append(
                f"{self.actor.terminal} {name}: {type(error).__name__}: {text} "
                f"({Path(where.filename).name}:{where.lineno})"
            )

    def checkout(self) -> None:
        bill = tills.random_bill(self.rng, self.products)
        style = self.rng.choice(tills.TENDER_STYLES)
        if style != "cash" or self.rng.random() < 0.3:
            customer = self.rng.choice(self.shop.customer_ids)
            bill.attach_customer(customer, f"customer {customer}")
        total = tills.total_due(bill, self.settings)
        request = bill.to_request(
            tills.tenders(self.rng, style, total, bill.customer_id is not None)
        )
        sale = checkout.checkout(self.actor, request)
        self.sales.append((sale.id, str(request.cart_id)))
        if self.rng.random() < RETRY_SHARE:
            again = checkout.checkout(self.actor, request)
            self.done["checkout retried"] += 1
            if again.id != sale.id or again.bill_number != sale.bill_number:
                self.violations.append(
                    f"cart {request.cart_id} checked out twice: {sale.bill_number} and "
                    f"{again.bill_number}"
                )

    def give_back(self) -> bool | None:
        recent = [
            number
            for (number,) in Sale.select(Sale.bill_number)
            .where(Sale.kind == "sale")
            .order_by(Sale.id.desc())
            .limit(RECENT_BILLS)
            .tuples()
        ]
        if not recent:
            return False  # nothing sold yet: not an operation
        sale = returns.returnable(self.rng.choice(recent))
        open_lines = [
            line for line in sale.lines if line.quantity_sold - line.quantity_returned >= 1
        ]
        # Sometimes a line with nothing left, to prove the refusal holds under contention.
        line = self.rng.choice(open_lines or sale.lines)
        request = ReturnRequest(
            return_id=uuid4(),
            bill_number=sale.bill_number,
            lines=[ReturnLineRequest(line.line_id, Decimal(1))],
            refund_method=self.rng.choice((CASH, REFUND_ORIGINAL)),
            reason="stress: customer changed their mind",
        )
        returns.make_return(self.actor, request)
        return None

    def take_payment(self) -> None:
        customer = self.rng.choice(self.shop.customer_ids)
        amount = Decimal(self.rng.randint(5, 300))
        credit.take_payment(self.actor, customer, amount, self.rng.choice((CASH, "upi")))

    def adjust_stock(self) -> None:
        product = self.rng.choice(self.shop.product_ids)
        if self.rng.random() < 0.5:
            change, reason = Decimal(self.rng.randint(3, 12)), AdjustReason.COUNT_CORRECTION
        else:
            change, reason = -Decimal(self.rng.randint(1, 4)), AdjustReason.DAMAGED
        stock.adjust_stock(self.actor, product, reason, change=change, note="stress")

    def tally(self) -> dict:
        return {
            "done": self.done,
            "refused": self.refused,
            "errors": self.errors,
            "violations": self.violations,
            "sales": self.sales,
        }


def _till(url, shop, n, seed, start_at, stop_at, out: Path) -> None:
    system.open_store(url, upgrade_schema=False)
    till = _Till(shop, n, seed)
    time.sleep(max(0.0, start_at - time.time()))
    while time.time() < stop_at:
        till.step()
    out.write_text(json.dumps(till.tally()))
    stores.release()
