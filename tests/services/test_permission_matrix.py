"""Every role against every permission-checked service action, on SQLite and PostgreSQL.

Each action names the permissions its service checks. For every role, with and without a
manager's approval, the real service is called: it must go through exactly when the table in
posterm.domain.permissions allows it (OVERRIDE only with the approval), and a refusal must
raise PermissionDenied with a clear message and leave every table as it was. Each attempt
runs in a transaction rolled back afterwards, so one store serves all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from posterm.data.models import AuditEvent, Category, Customer, Product, Shift, TaxRate, database
from posterm.domain.barcodes import make_ean13
from posterm.domain.cart import Discount
from posterm.domain.customers import CustomerForm
from posterm.domain.errors import Conflict, LoginFailed, PermissionDenied, PostermError
from posterm.domain.open_bill import BillItem, OpenBill
from posterm.domain.permissions import Actor, Grant, Permission, Role, command_line_actor, grant
from posterm.domain.purchases import (
    PurchaseLineRequest,
    PurchaseRequest,
    ReceivingDraft,
    SupplierInput,
)
from posterm.domain.returns import NoReceiptLine, ReturnLineRequest, ReturnRequest
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.domain.stock import AdjustReason
from posterm.services import (
    auth,
    backup,
    categories,
    checkout,
    credit,
    csv_files,
    customers,
    held_sales,
    printing,
    products,
    purchasing,
    reports,
    returns,
    shifts,
    stock,
    suppliers,
    system,
)
from posterm.services.settings import set_setting
from posterm.services.store import init_store
from tests.conftest import _fresh_postgres, actor_for
from tests.fuzz_inputs import table_fingerprint

D = Decimal
TODAY = date.today()


@dataclass
class Shop:
    """A small store every attempt starts from: one user per role, goods, debts, a sale."""

    owner: Actor
    users: dict[Role, Actor]
    approved: dict[Role, Actor]  # the same users, each carrying a manager's approval
    other: Actor  # a second cashier, whose shift is "someone else's"
    salt: Product
    ramesh: Customer  # owes 50.00, limit 1000
    suresh: Customer  # limit 10
    bill: str  # a cash bill of 2 salt, by the owner
    supplier_id: int
    backup_file: Path
    files: Path


Call = Callable[[], object]


@dataclass(frozen=True)
class Action:
    name: str
    needs: tuple[Permission, ...]
    arrange: Callable[[Shop, Actor], Call]  # sets the scene (inside the attempt), returns the call
    allowed_raises: type[PostermError] | None = None  # the business refusal once permitted
    in_transaction: bool = True  # False: the call writes no rows and must run on its own


def _sell(actor: Actor, shop: Shop, *lines: SaleLineRequest, **extra) -> Call:
    return lambda: checkout.checkout(actor, CheckoutRequest(uuid4(), list(lines), **extra))


def _bill_item(shop: Shop) -> OpenBill:
    salt = shop.salt
    item = BillItem(salt.id, salt.code, salt.name, "pcs", False, D(28), D(28), D(5), "", D(1))
    return OpenBill(items=[item])


def _own_shift(shop: Shop, actor: Actor, user_id: int | None = None) -> None:
    Shift.create(terminal=actor.terminal, user=user_id or actor.user_id, opening_float=D(0))


def _held(shop: Shop, actor: Actor):
    bill = _bill_item(shop)
    held_sales.hold_bill(Actor(shop.owner.user_id, "owner", Role.OWNER, actor.terminal), bill, "x")
    return bill.id


def _count(shop: Shop) -> int:
    return stock.start_count(shop.owner, "Shelf A", product_ids=[shop.salt.id]).id


def _new_category(shop: Shop) -> int:
    return Category.create(name=f"Matrix {uuid4().hex[:6]}").id


def _new_rate(shop: Shop) -> int:
    return TaxRate.create(name=f"Rate {uuid4().hex[:6]}", rate=D(3)).id


def _new_supplier(shop: Shop) -> int:
    return suppliers.create_supplier(shop.owner, SupplierInput(f"Temp {uuid4().hex[:6]}")).id


def _return_line(shop: Shop) -> ReturnLineRequest:
    return ReturnLineRequest(returns.returnable(shop.bill).lines[0].line_id, D(1))


def _discount_limit(shop: Shop) -> None:
    set_setting(shop.owner, "discount_limit_percent", "10")


P = Permission
cash = Tender("cash", D("28.00"))

ACTIONS: tuple[Action, ...] = (
    # --- selling ---
    Action(
        "checkout",
        (P.SELL,),
        lambda s, a: _sell(a, s, SaleLineRequest(s.salt.id, D(1)), tenders=[cash]),
    ),
    Action(
        "checkout with a price override",
        (P.SELL, P.PRICE_OVERRIDE),
        lambda s, a: _sell(
            a, s, SaleLineRequest(s.salt.id, D(1), D("25.00")), tenders=[Tender("cash", D(25))]
        ),
    ),
    Action(
        "checkout with a discount above the limit",
        (P.SELL, P.DISCOUNT_ABOVE_LIMIT),
        lambda s, a: (
            _discount_limit(s),
            _sell(
                a,
                s,
                SaleLineRequest(s.salt.id, D(1)),
                bill_discount=Discount.percent(D(20)),
                tenders=[Tender("cash", D("22.40"))],
            ),
        )[1],
    ),
    Action(
        "checkout with a discount within the limit",
        (P.SELL,),
        lambda s, a: (
            _discount_limit(s),
            _sell(
                a,
                s,
                SaleLineRequest(s.salt.id, D(1), line_discount=Discount.amount(D("2.80"))),
                tenders=[Tender("cash", D("25.20"))],
            ),
        )[1],
    ),
    Action(
        "checkout on credit above the limit",
        (P.SELL, P.CREDIT_ABOVE_LIMIT),
        lambda s, a: _sell(a, s, SaleLineRequest(s.salt.id, D(1)), customer_id=s.suresh.id),
    ),
    Action(
        "checkout on credit within the limit",
        (P.SELL,),
        lambda s, a: _sell(a, s, SaleLineRequest(s.salt.id, D(1)), customer_id=s.ramesh.id),
    ),
    Action(
        "save the open bill",
        (P.SELL,),
        lambda s, a: lambda: held_sales.save_open_bill(a, _bill_item(s)),
    ),
    Action(
        "hold a bill",
        (P.SELL,),
        lambda s, a: lambda: held_sales.hold_bill(a, _bill_item(s), "Mrs Rao"),
    ),
    Action(
        "recall a held bill",
        (P.SELL,),
        lambda s, a: (lambda held: lambda: held_sales.recall_bill(a, held))(_held(s, a)),
    ),
    Action(
        "discard a held bill",
        (P.SELL,),
        lambda s, a: (lambda held: lambda: held_sales.discard_bill(a, held))(_held(s, a)),
    ),
    Action(
        "take a credit payment",
        (P.SELL,),
        lambda s, a: lambda: credit.take_payment(a, s.ramesh.id, "10"),
    ),
    Action(
        "return with the receipt",
        (P.SELL,),
        lambda s, a: (
            lambda line: lambda: returns.make_return(a, ReturnRequest(uuid4(), s.bill, [line]))
        )(_return_line(s)),
    ),
    Action(
        "return without a receipt",
        (P.RETURN_WITHOUT_RECEIPT,),
        lambda s, a: (
            lambda: returns.make_return(
                a,
                ReturnRequest(
                    uuid4(), None, [NoReceiptLine(s.salt.id, D(1))], reason="lost the bill"
                ),
            )
        ),
    ),
    Action(
        "void a sale",
        (P.VOID_SALE,),
        lambda s, a: lambda: returns.void_sale(a, s.bill, "wrong bill", uuid4()),
    ),
    Action(
        "open the drawer without a sale",
        (P.NO_SALE_DRAWER,),
        lambda s, a: lambda: printing.record_no_sale(a, "change"),
    ),
    Action(
        "write off credit",
        (P.WRITE_OFF_CREDIT,),
        lambda s, a: lambda: credit.adjust(a, s.ramesh.id, "5", "bad debt", write_off=True),
    ),
    Action(
        "adjust a credit balance",
        (P.WRITE_OFF_CREDIT,),
        lambda s, a: lambda: credit.adjust(a, s.ramesh.id, "5", "old khata", raise_balance=True),
    ),
    # --- products, categories, stock, purchases, suppliers ---
    Action(
        "create a product",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: (
            lambda: products.create_product(a, {"name": "Soap", "code": "SOAP1", "price": "30"})
        ),
    ),
    Action(
        "update a product",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: lambda: products.update_product(a, s.salt.id, {"price": "29.00"}),
    ),
    Action(
        "deactivate a product",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: lambda: products.deactivate_product(a, s.salt.id, "old stock"),
    ),
    Action(
        "reactivate a product",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: (
            products.deactivate_product(s.owner, s.salt.id),
            lambda: products.reactivate_product(a, s.salt.id),
        )[1],
    ),
    Action(
        "create a category",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: lambda: categories.create_category(a, "Matrix"),
    ),
    Action(
        "rename a category",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: (lambda c: lambda: categories.rename_category(a, c, "Renamed"))(
            _new_category(s)
        ),
    ),
    Action(
        "retire a category",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: (lambda c: lambda: categories.set_category_active(a, c, False))(
            _new_category(s)
        ),
    ),
    Action(
        "create a tax rate",
        (P.MANAGE_SETTINGS,),
        lambda s, a: lambda: categories.create_tax_rate(a, "GST 3%", "3"),
    ),
    Action(
        "rename a tax rate",
        (P.MANAGE_SETTINGS,),
        lambda s, a: (lambda r: lambda: categories.rename_tax_rate(a, r, "Renamed"))(_new_rate(s)),
    ),
    Action(
        "retire a tax rate",
        (P.MANAGE_SETTINGS,),
        lambda s, a: (lambda r: lambda: categories.set_tax_rate_active(a, r, False))(_new_rate(s)),
    ),
    Action(
        "import products",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: lambda: csv_files.import_products(a, b"code,name,price\nCSV1,Csv Soap,12\n"),
    ),
    Action(
        "import suppliers",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: lambda: csv_files.import_suppliers(a, b"name\nMatrix Traders\n"),
    ),
    Action(
        "adjust stock",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: lambda: stock.adjust_stock(a, s.salt.id, AdjustReason.DAMAGED, change=D(-1)),
    ),
    Action(
        "start a stock count",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: lambda: stock.start_count(a, "Shelf B", product_ids=[s.salt.id]),
    ),
    Action(
        "enter a count",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: (lambda c: lambda: stock.set_counted(a, c, s.salt.id, D(9)))(_count(s)),
    ),
    Action(
        "post a count",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: (
            lambda c: (
                stock.set_counted(s.owner, c, s.salt.id, D(9)),
                lambda: stock.post_count(a, c),
            )[1]
        )(_count(s)),
    ),
    Action(
        "cancel a count",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: (lambda c: lambda: stock.cancel_count(a, c))(_count(s)),
    ),
    Action(
        "receive a purchase",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: (
            lambda: purchasing.post_purchase(
                a,
                PurchaseRequest(
                    s.supplier_id,
                    "INV-9",
                    TODAY,
                    (PurchaseLineRequest(s.salt.id, D(5), D("20.00")),),
                ),
            )
        ),
    ),
    Action(
        "pay a supplier",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: lambda: purchasing.pay_supplier(a, s.supplier_id, D("10.00"), "cash"),
    ),
    Action(
        "save a receiving draft",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: (
            lambda: purchasing.save_draft(
                a, ReceivingDraft(supplier_id=s.supplier_id, invoice_number="INV-10")
            )
        ),
    ),
    Action(
        "create a supplier",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: lambda: suppliers.create_supplier(a, SupplierInput("Matrix Traders")),
    ),
    Action(
        "update a supplier",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: lambda: suppliers.update_supplier(a, s.supplier_id, SupplierInput("Renamed")),
    ),
    Action(
        "retire a supplier",
        (P.MANAGE_PRODUCTS,),
        lambda s, a: (lambda x: lambda: suppliers.set_supplier_active(a, x, False))(
            _new_supplier(s)
        ),
    ),
    # --- customers ---
    Action(
        "create a customer",
        (P.MANAGE_CUSTOMERS,),
        lambda s, a: (
            lambda: customers.create_customer(a, CustomerForm(name="Asha", phone="9988776655"))
        ),
    ),
    Action(
        "update a customer",
        (P.MANAGE_CUSTOMERS,),
        lambda s, a: (
            lambda: customers.update_customer(a, s.ramesh.id, CustomerForm(name="Ramesh G"))
        ),
    ),
    # --- shifts and cash ---
    Action("open a shift", (P.OWN_SHIFT,), lambda s, a: lambda: shifts.open_new_shift(a, "500")),
    Action(
        "cash in on one's own shift",
        (P.OWN_SHIFT,),
        lambda s, a: (
            _own_shift(s, a),
            lambda: shifts.record_cash(a, "cash_in", "100", reason="float top-up"),
        )[1],
    ),
    Action(
        "cash out of someone else's shift",
        (P.OWN_SHIFT, P.ANY_SHIFT),
        lambda s, a: (
            _own_shift(s, a, s.other.user_id),
            lambda: shifts.record_cash(a, "cash_out", "100", reason="to the bank"),
        )[1],
    ),
    Action(
        "X report of one's own shift",
        (P.OWN_SHIFT,),
        lambda s, a: (_own_shift(s, a), lambda: shifts.x_report(a))[1],
    ),
    Action(
        "close one's own shift",
        (P.OWN_SHIFT,),
        lambda s, a: (_own_shift(s, a), lambda: shifts.close_shift(a, {"500": "1"}))[1],
    ),
    Action(
        "close someone else's shift",
        (P.OWN_SHIFT, P.ANY_SHIFT),
        lambda s, a: (
            _own_shift(s, a, s.other.user_id),
            lambda: shifts.close_shift(a, {"500": "1"}),
        )[1],
    ),
    Action("see every open shift", (P.ANY_SHIFT,), lambda s, a: lambda: shifts.open_shifts(a)),
    # --- reports, settings, users, backups ---
    Action("dashboard", (P.VIEW_DASHBOARD,), lambda s, a: lambda: reports.dashboard(a)),
    Action(
        "run a report",
        (P.VIEW_REPORTS,),
        lambda s, a: lambda: reports.run_report(a, "sales-by-day", TODAY, TODAY),
    ),
    Action(
        "change a store setting",
        (P.MANAGE_SETTINGS,),
        lambda s, a: lambda: set_setting(a, "store_name", "Matrix Mart"),
    ),
    Action(
        "create a user",
        (P.MANAGE_USERS,),
        lambda s, a: lambda: auth.create_user(a, "newbie", Role.CASHIER, "pw12345"),
    ),
    Action(
        "change someone else's password",
        (P.MANAGE_USERS,),
        lambda s, a: lambda: auth.change_password(a, "other", "newpass1"),
    ),
    Action(
        "change one's own password",
        (),
        lambda s, a: lambda: auth.change_password(a, a.username, "newpass1"),
    ),
    Action(
        "set someone else's PIN",
        (P.MANAGE_USERS,),
        lambda s, a: lambda: auth.set_pin(a, "other", "9999"),
    ),
    Action(
        "disable a user", (P.MANAGE_USERS,), lambda s, a: lambda: auth.set_active(a, "other", False)
    ),
    Action(
        "back up the store",
        (P.BACKUP_RESTORE,),
        lambda s, a: (
            lambda: backup.backup(s.files / f"{uuid4().hex}.backup", actor=a, portable=True)
        ),
        in_transaction=False,
    ),
    Action(
        "restore a backup",
        (P.BACKUP_RESTORE,),
        lambda s, a: lambda: backup.restore(s.backup_file, actor=a),
        allowed_raises=Conflict,  # permitted, then refused: this store already holds data
        in_transaction=False,
    ),
)


def expected_allowed(action: Action, actor: Actor) -> bool:
    for permission in action.needs:
        given = grant(actor.role, permission)
        if given is Grant.NO or (given is Grant.OVERRIDE and actor.approved_by_id is None):
            return False
    return True


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    """One store per engine for the whole module: every attempt is rolled back."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "BCRYPT_ROUNDS", 4)  # as tests/conftest.py does for each test
        patch.setattr(auth, "_DUMMY_HASH", None)
        files = tmp_path_factory.mktemp("matrix")
        if request.param == "sqlite":
            system.open_store(f"sqlite:///{files / 'store.db'}")
        else:
            _fresh_postgres()
        try:
            yield _open_shop(files)
        finally:
            system.close()


def _open_shop(files: Path) -> Shop:
    init_store(command_line_actor("tester", "till-1"), "Test Store", "owner", "secret", "1234")
    info = auth.authenticate("owner", "secret", terminal="till-1")
    owner = Actor(info.id, info.username, Role.OWNER, "till-1")
    users = {Role.OWNER: owner}
    for role in (Role.MANAGER, Role.CASHIER, Role.STAFF):
        users[role] = actor_for(role.value, role, by=owner)
    other = actor_for("other", Role.CASHIER, by=owner)
    # The approval object a manager's PIN gives (the same whichever right it was asked for).
    approved = {
        role: auth.approve(actor, "manager", "4321", Permission.PRICE_OVERRIDE, "matrix")
        for role, actor in users.items()
    }
    gst5 = TaxRate.get(TaxRate.name == "GST 5%").id
    salt = products.create_product(
        owner,
        {
            "name": "Tata Salt 1kg",
            "code": "SALT1",
            "barcodes": make_ean13("890000000001"),
            "price": "28.00",
            "cost": "22.40",
            "tax_rate_id": gst5,
            "opening_stock": "50",
        },
    )
    ramesh = customers.create_customer(
        owner, CustomerForm(name="Ramesh Gupta", phone="9876500001", credit_limit="1000")
    )
    suresh = customers.create_customer(
        owner, CustomerForm(name="Suresh", phone="9876500002", credit_limit="10")
    )
    checkout.checkout(
        owner,
        CheckoutRequest(
            uuid4(),
            [SaleLineRequest(salt.id, D(1), D("50.00"))],
            customer_id=ramesh.id,
        ),
    )
    sale = checkout.checkout(
        owner,
        CheckoutRequest(uuid4(), [SaleLineRequest(salt.id, D(2))], tenders=[Tender("cash", D(56))]),
    )
    supplier = suppliers.create_supplier(owner, SupplierInput("Agarwal Traders"))
    purchasing.post_purchase(
        owner,
        PurchaseRequest(
            supplier.id, "INV-1", TODAY, (PurchaseLineRequest(salt.id, D(5), D("20.00")),)
        ),
    )
    made = backup.backup(files / "store.backup", actor=command_line_actor("tester"), portable=True)
    return Shop(
        owner=owner,
        users=users,
        approved=approved,
        other=other,
        salt=Product.get_by_id(salt.id),
        ramesh=Customer.get_by_id(ramesh.id),
        suresh=Customer.get_by_id(suresh.id),
        bill=sale.bill_number,
        supplier_id=supplier.id,
        backup_file=made.path,
        files=files,
    )


def _attempt(
    action: Action, shop: Shop, actor: Actor, *, compare: bool
) -> tuple[BaseException | None, bool]:
    """Calls the action as `actor`: the error it raised (None: it went through), and whether
    the tables are as they were just before the call (checked when `compare`)."""

    def run() -> tuple[BaseException | None, bool]:
        call = action.arrange(shop, actor)
        before = table_fingerprint() if compare else None
        try:
            call()
            error = None
        except PostermError as refused:
            error = refused
        return error, not compare or table_fingerprint() == before

    if not action.in_transaction:
        return run()
    with database.atomic() as transaction:
        outcome = run()
        transaction.rollback()
    return outcome


def _describe(actor: Actor) -> str:
    return f"{actor.role.value}{' + manager approval' if actor.approved_by_id else ''}"


@pytest.mark.parametrize("action", ACTIONS, ids=[action.name for action in ACTIONS])
def test_every_role_against_the_action(shop: Shop, action: Action) -> None:
    wrong: list[str] = []
    for role in Role:
        for actor in (shop.users[role], shop.approved[role]):
            allowed = expected_allowed(action, actor)
            error, untouched = _attempt(action, shop, actor, compare=not allowed)
            who = _describe(actor)
            if allowed:
                if action.allowed_raises is None and error is not None:
                    wrong.append(f"{who}: refused ({type(error).__name__}: {error})")
                elif action.allowed_raises is not None and not isinstance(
                    error, action.allowed_raises
                ):
                    wrong.append(f"{who}: expected {action.allowed_raises.__name__}, got {error!r}")
                continue
            if not isinstance(error, PermissionDenied):
                wrong.append(f"{who}: allowed, or refused for another reason ({error!r})")
                continue
            message = str(error)
            if not (role.value in message and "may not" in message and error.action):
                wrong.append(f"{who}: unclear message {message!r}")
            if not untouched:
                wrong.append(f"{who}: refused but rows changed")
    assert not wrong, f"{action.name}:\n" + "\n".join(wrong)


def test_every_permission_is_checked_by_some_action() -> None:
    checked = {permission for action in ACTIONS for permission in action.needs}
    assert checked == set(Permission), f"no action covers {set(Permission) - checked}"


def test_every_overridable_right_is_lent_by_an_approval_and_only_then() -> None:
    # The matrix above relies on this: OVERRIDE rights need approval; YES and NO ignore it.
    for role in Role:
        for permission in Permission:
            plain = Actor(1, "u", role)
            lent = plain.with_approval(2, "manager")
            given = grant(role, permission)
            assert expected_allowed(
                Action("x", (permission,), lambda s, a: lambda: None), plain
            ) is (given is Grant.YES)
            assert expected_allowed(
                Action("x", (permission,), lambda s, a: lambda: None), lent
            ) is (given is not Grant.NO)


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_only_a_role_holding_a_right_may_approve_it(shop: Shop, role: Role) -> None:
    """auth.approve: the approver's own role must hold the right outright (not by override)."""
    with database.atomic() as transaction:
        _approvals(shop, role)
        transaction.rollback()


def _approvals(shop: Shop, role: Role) -> None:
    approver = shop.users[role]
    pin = "1234" if role is Role.OWNER else "4321"  # the owner's PIN, and actor_for's
    requester = shop.users[Role.CASHIER]
    for permission in Permission:
        try:
            lent = auth.approve(requester, approver.username, pin, permission, "matrix check")
        except LoginFailed as refused:
            assert grant(role, permission) is not Grant.YES, f"{role}: {permission}"
            assert permission.value in str(refused)
        else:
            assert grant(role, permission) is Grant.YES, f"{role} approved {permission}"
            assert lent.approved_by_id == approver.user_id and lent.user_id == requester.user_id


def test_a_discount_above_the_limit_names_it_and_records_the_approver(shop: Shop) -> None:
    with database.atomic() as transaction:
        _discount_limit(shop)
        cashier = shop.users[Role.CASHIER]
        cart = [SaleLineRequest(shop.salt.id, D(1), line_discount=Discount.percent(D(15)))]
        pay = [Tender("cash", D("23.80"))]
        with pytest.raises(PermissionDenied) as refused:
            checkout.checkout(cashier, CheckoutRequest(uuid4(), cart, tenders=pay))
        assert "4.20 is 15.0% of the bill, limit 10%" in str(refused.value)
        sale = checkout.checkout(
            shop.approved[Role.CASHIER], CheckoutRequest(uuid4(), cart, tenders=pay)
        )
        assert sale.approved_by == "manager" and sale.total == D("23.80")
        event = (
            AuditEvent.select()
            .where(
                (AuditEvent.action == "sale.override") & (AuditEvent.entity_id == sale.bill_number)
            )
            .get()
        )
        assert "DISCOUNT_ABOVE_LIMIT" in event.details
        transaction.rollback()
