"""`scripts/stress --short` on SQLite and PostgreSQL breaks nothing and really injects its
faults (the outage scenario on a private server, whenever initdb and pg_ctl are installed);
the checks it relies on do find a broken ledger, a partial sale, a lost sale and a
wrongly restored bill (a check that cannot fail proves nothing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from posterm.data.models import Product, StockMovement
from posterm.domain.errors import DatabaseUnreachable
from posterm.domain.open_bill import OpenBill
from posterm.domain.sale import Tender
from posterm.services import checkout
from posterm.services.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from stress_run import crash, invariants, outage, printer_faults, shop, tills  # noqa: E402

PG_URL = os.environ.get("POSTERM_TEST_PG", "")
REQUIRE_PG = os.environ.get("POSTERM_REQUIRE_PG") == "1"
SEED = "8"  # fixed, so the kinds of kill and fault drawn are the same on every run


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not PG_URL:
        if REQUIRE_PG:
            pytest.fail("POSTERM_REQUIRE_PG=1 but POSTERM_TEST_PG is not set")
        pytest.skip("PostgreSQL not configured (set POSTERM_TEST_PG)")
    return request.param


def _short_run(tmp_path: Path, *args: str) -> dict[str, dict]:
    """Runs `scripts/stress --short ARGS`; its results by scenario, once it passed."""
    out = tmp_path / "stress.json"
    command = [sys.executable, "-m", "stress_run", "--short", *args, "--seed", SEED]
    command += ["--json", str(out)] + (["--pg", PG_URL] if PG_URL else [])
    env = {**os.environ, "PYTHONPATH": str(REPO / "scripts")}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "scenario" in done.stdout.splitlines()[0]  # the summary table
    return {r["scenario"]: r for r in json.loads(out.read_text())["results"]}


def test_the_short_stress_run_breaks_nothing(engine: str, tmp_path: Path):
    # The outage scenario has a test of its own below: it needs no shared server.
    scenarios = ["--only", "concurrency", "--only", "crash", "--only", "printer"]
    results = _short_run(tmp_path, "--db", engine, *scenarios)
    assert set(results) == {"concurrency", "crash", "printer"}
    for result in results.values():
        assert result["database"] == engine
        assert result["errors"] == [] and result["violations"] == [], result

    concurrency = results["concurrency"]["details"]
    assert concurrency["tills"] == (8 if engine == "postgresql" else 4)
    assert concurrency["checkout"] > 0 and concurrency["sales in the database"] > 0

    crashed = results["crash"]
    assert crashed["faults"] == 8  # every kill happened, and was a SIGKILL
    assert crashed["details"]["landed inside a checkout transaction"] > 0
    assert crashed["details"]["open bills restored"] > 0
    assert crashed["details"]["sales reported committed"] > 0

    printer = results["printer"]
    assert printer["faults"] == len(printer_faults.FAULTS)  # one of each kind
    assert set(printer["details"]) >= {f"fault: {fault}" for fault in printer_faults.FAULTS}
    assert printer["details"]["sales left unprinted for a reprint"] == printer["faults"]


def test_the_short_outage_run_sells_on_by_itself_after_each_restart(tmp_path: Path):
    if not outage.available():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    results = _short_run(tmp_path, "--db", "postgresql", "--only", "outage")
    assert set(results) == {"outage"}
    result = results["outage"]
    assert result["errors"] == [] and result["violations"] == [], result
    assert result["faults"] == 2  # the server really went down twice, and came back
    details = result["details"]
    for outage_kind in ("pg_ctl stop -m fast", "pg_ctl stop -m immediate", "mid-checkout"):
        assert details[f"outages: {outage_kind}"] == 1
    # The held checkout was cut off mid-transaction and its cart sold once on the retry.
    assert details["checkouts failed cleanly"] >= 1
    assert details["carts retried after an outage, each one sale"] >= 1
    assert details["sales in the database"] == details["sales reported committed"] > 0


@pytest.fixture
def store(db_url: str) -> shop.Shop:
    return shop.set_up_shop(1, opening_stock=Decimal(10), credit_limit=Decimal(500))


def _sell(store: shop.Shop):
    products = tills.load_products(store.product_ids)
    bill = OpenBill()
    tills.scan(bill, products[0], Decimal(2))
    tills.scan(bill, products[1], Decimal(1))
    bill.attach_customer(store.customer_ids[0], "Ramesh Gupta")
    total = tills.total_due(bill, load_settings())
    return checkout.checkout(store.cashiers[0], bill.to_request([Tender("credit", total)]))


def test_the_checks_find_a_partial_sale_negative_stock_and_a_lost_sale(store: shop.Shop):
    sale = _sell(store)
    cart = str(sale.cart_id)
    assert invariants.violations() == []
    assert invariants.missing_sales([(sale.id, cart)]) == []
    other = str(uuid4())
    assert invariants.missing_sales([(sale.id + 1, other), (sale.id, other)]) == [
        f"sale {sale.id + 1} (cart {other}) was reported committed but is not stored",
        f"sale {sale.id} was reported for cart {other} but is {cart}'s",
    ]
    StockMovement.delete().where(StockMovement.sale == sale.id).execute()
    found = invariants.violations()
    assert f"sale {sale.bill_number}: 2 lines but 0 stock movements" in found
    assert any(line.startswith("doctor: stock equals the stock ledger") for line in found)
    Product.update(stock=Decimal(-1)).where(Product.id == store.product_ids[2]).execute()
    assert "product HOT3 has stock -1.000 (negative stock is off)" in invariants.violations()


def test_the_restore_check_accepts_only_what_the_till_saved(store: shop.Shop):
    first, second = '{"bill": 1}', '{"bill": 2}'
    records = [{"kind": "start", "bill": None}, {"kind": "saving", "bill": first}]
    assert crash._acceptable_bills(records) == [None, first]  # the save may or may not land
    records.append({"kind": "saved", "bill": first})
    assert crash._acceptable_bills(records) == [first]
    records.append({"kind": "saving", "bill": second})
    assert crash._acceptable_bills(records) == [first, second]
    # Killed in a checkout: the bill is intact unless its sale committed, then gone.
    unpaid = [*records[:3], {"kind": "paying", "cart": str(uuid4())}]
    assert crash._acceptable_bills(unpaid) == [first]
    sale = _sell(store)
    paid = [*records[:3], {"kind": "paying", "cart": str(sale.cart_id)}]
    assert crash._acceptable_bills(paid) == [None]


def test_the_outage_till_retries_an_unreachable_call_and_reports_any_other_failure(
    store: shop.Shop,
):
    till = outage._Till(store.cashiers[0], store, seed=1)
    answers = iter([DatabaseUnreachable("Database unreachable (connection refused)."), 5])

    def call():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert till._call("checkout", call, cart="cart-1") == 5  # the same call, repeated
    assert (till.failures, till.failed_calls["checkout"]) == (1, 1)
    assert till.retried_carts == {"cart-1"} and till.unclean == []
    assert till.failures_while_up == 1  # nobody said the server was stopped

    answers = iter([ValueError("boom"), 6])
    assert till._call("open-bill save", call) == 6
    assert till.unclean == ["open-bill save failed with ValueError: boom (not DatabaseUnavailable)"]
    assert till.failures == 1
