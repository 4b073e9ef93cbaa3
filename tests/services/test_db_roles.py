"""PostgreSQL roles (db/postgres/roles.sql, `posterm db grant`): the real services still work
as the application role and as a staff member's own login, while the database itself refuses
to change or remove audit rows, completed sales and ledger rows.

Roles are cluster-wide: every test names its roles with a prefix of its own and drops them.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import uuid4

import pytest
from peewee import ProgrammingError

from posterm import cli
from posterm.data.database import redacted
from posterm.data.models import AuditEvent, Customer, Sale, User, database
from posterm.domain.errors import ConfigError, LoginFailed, SchemaMismatch, ValidationError
from posterm.domain.permissions import Actor, Role
from posterm.domain.returns import ReturnLineRequest, ReturnRequest
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.domain.stock import AdjustReason
from posterm.hardware.printer import FilePrinter
from posterm.services import checkout, credit, db_roles, returns, stock, system
from posterm.services.printing import print_sale
from posterm.services.settings import set_setting
from posterm.services.staff_login import connected_as, log_in, login_url
from tests.conftest import actor_for, doctor_problems

D = Decimal
LOGIN_PASSWORD = "till-login-pw"  # what each test login is made with
on_postgres = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@dataclass
class Cluster:
    """The roles one test makes; dropped afterwards, as the superuser of db_url."""

    url: str
    prefix: str = field(default_factory=lambda: f"pt{secrets.token_hex(4)}")
    logins: list[str] = field(default_factory=list)

    def grant(self) -> None:
        db_roles.apply_roles(self.prefix)

    def login(self, group: str) -> str:
        name = f"{self.prefix}_{group}_login"
        self.logins.append(db_roles.create_login(name, group, LOGIN_PASSWORD, self.prefix))
        return name

    def connect_as(self, login: str) -> None:
        _close_pool()
        system.open_store(login_url(self.url, login, LOGIN_PASSWORD), upgrade_schema=False)
        assert connected_as() == login

    def back_to_superuser(self) -> None:
        _close_pool()
        system.open_store(self.url, upgrade_schema=False)


def _close_pool() -> None:
    db = system.current_database()
    if db is not None:
        getattr(db, "close_all", db.close)()


@pytest.fixture
def cluster(db_url: str):
    made = Cluster(db_url)
    yield made
    made.back_to_superuser()
    groups = [db_roles.group_role(group, made.prefix) for group in db_roles.GROUPS]
    existing = [
        name
        for (name,) in database.execute_sql(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (f"{made.prefix}\\_%",)
        ).fetchall()
    ]
    ours = [name for name in [*made.logins, *groups] if name in existing]
    if ours:
        quoted = ", ".join(f'"{name}"' for name in ours)
        database.execute_sql(f"DROP OWNED BY {quoted}")
        database.execute_sql(f"DROP ROLE {quoted}")
    left = database.execute_sql(
        "SELECT count(*) FROM pg_roles WHERE rolname LIKE %s", (f"{made.prefix}\\_%",)
    ).fetchone()[0]
    assert left == 0


def sell(actor, *lines, tenders=(), customer=None):
    return checkout.checkout(
        actor,
        CheckoutRequest(
            uuid4(),
            [SaleLineRequest(p.id, D(q)) for p, q in lines],
            customer_id=customer.id if customer else None,
            tenders=[Tender(method, D(amount)) for method, amount in tenders],
        ),
    )


def refused(sql: str, params: tuple = (), because: str = "permission denied") -> None:
    """Runs `sql` in a transaction of its own, which the database must refuse."""
    with pytest.raises(ProgrammingError, match=because), database.atomic():
        database.execute_sql(sql, params)


def allowed(sql: str, params: tuple = ()) -> None:
    with database.atomic():
        database.execute_sql(sql, params)


def assert_history_is_immutable(sale_id: int) -> None:
    for sql in (
        "UPDATE sale SET total = 0 WHERE id = %s",
        "UPDATE sale SET bill_number = 'X' WHERE id = %s",
        "UPDATE sale SET loyalty_earned = 1000000 WHERE id = %s",
        "UPDATE sale SET loyalty_redeemed = 0 WHERE id = %s",
        "DELETE FROM sale WHERE id = %s",
        "UPDATE sale_line SET unit_price = 0 WHERE sale_id = %s",
        "DELETE FROM sale_line WHERE sale_id = %s",
        "UPDATE payment SET amount = 0 WHERE sale_id = %s",
        "DELETE FROM payment WHERE sale_id = %s",
        "UPDATE stock_movement SET quantity = 0 WHERE sale_id = %s",
        "DELETE FROM stock_movement WHERE sale_id = %s",
        "UPDATE credit_entry SET amount = 0 WHERE sale_id = %s",
        "DELETE FROM credit_entry WHERE sale_id = %s",
        "UPDATE audit_event SET reason = 'nothing happened' WHERE id >= %s",
        "DELETE FROM audit_event WHERE id >= %s",
    ):
        refused(sql, (sale_id,))
    refused("TRUNCATE audit_event")
    refused("DELETE FROM loyalty_entry")
    refused("UPDATE loyalty_entry SET points = 0 WHERE sale_id = %s", (sale_id,))
    refused("DELETE FROM cash_movement")


@pytest.mark.pg_only
@on_postgres
def test_the_app_role_runs_the_counter_but_cannot_rewrite_history(
    cluster, owner, make_product, make_customer, tmp_path
):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="20", tax="GST 0%")
    salt = make_product("Tata Salt 1kg", "28.00", stock="10", tax="GST 5%")
    ramesh = make_customer("Ramesh Gupta", credit_limit="1000")
    cashier = actor_for("kiran", Role.CASHIER, by=owner)
    manager = actor_for("mina", Role.MANAGER, by=owner)
    set_setting(owner, "loyalty_enabled", "on")  # sales, returns and voids carry points
    set_setting(owner, "loyalty_points_per_100", "10")
    cluster.grant()
    till = cluster.login("app")
    cluster.connect_as(till)
    assert database.execute_sql("SELECT current_user").fetchone()[0] == till

    # The whole counter, through the real services, as the application role.
    sale = sell(cashier, (rice, 2), (salt, 1), customer=ramesh, tenders=[("credit", "228")])
    print_sale(sale.id, FilePrinter(tmp_path / "receipt.bin", columns=42), 42)
    assert Sale.get_by_id(sale.id).printed
    lines = {line.line_no: line.line_id for line in returns.returnable(sale.bill_number).lines}
    back = returns.make_return(
        cashier,
        ReturnRequest(uuid4(), sale.bill_number, [ReturnLineRequest(lines[1], D(1))], "credit"),
    )
    assert back.kind == "return"
    # Points paying part of a bill, then the bill voided: all its points go back.
    second = sell(cashier, (salt, 2), customer=ramesh, tenders=[("loyalty", "6"), ("cash", "50")])
    void = returns.void_sale(manager, second.bill_number, "keyed twice", uuid4())
    assert void.kind == "void"
    # Each document's row holds its points from its INSERT, as the ledger has them.
    for document, earned, redeemed in (
        (sale, D("22.80"), D(0)),  # 228 spent at 10 points per 100
        (back, D("-10.00"), D(0)),  # 100 of the 228 returned
        (second, D("5.00"), D(6)),  # 6 points paid 6.00; the other 50 earned 5
        (void, D(-5), D(-6)),
    ):
        row = Sale.get_by_id(document.id)
        assert (row.loyalty_earned, row.loyalty_redeemed) == (earned, redeemed)
        assert (document.loyalty_earned, document.loyalty_redeemed) == (earned, redeemed)
    assert Customer.get_by_id(ramesh.id).loyalty_points == D("12.80")
    credit.take_payment(cashier, ramesh.id, "50", "cash")
    stock.adjust_stock(cashier, rice.id, AdjustReason.DAMAGED, change=D(-1), note="torn bag")
    set_setting(owner, "store_name", "Sharma Stores")  # the app role acts for owners too
    assert Customer.get_by_id(ramesh.id).balance == D(228) - D(100) - D(50)
    assert doctor_problems() == []

    # ... and the database refuses to change what happened.
    assert_history_is_immutable(sale.id)
    refused("DELETE FROM product WHERE id = %s", (rice.id,))
    refused("DROP TABLE held_sale", because="must be owner")
    refused("CREATE TABLE sneaky (id int)")
    allowed("UPDATE sale SET printed = false WHERE id = %s", (sale.id,))  # a reprint is due
    assert doctor_problems() == []


@pytest.mark.pg_only
@on_postgres
def test_running_the_grants_again_gives_the_same_privileges(cluster, owner):
    cluster.grant()

    def privileges():
        return database.execute_sql(
            "SELECT grantee, table_name, column_name, privilege_type "
            "FROM information_schema.column_privileges "
            "WHERE table_schema = current_schema() AND grantee LIKE %s "
            "ORDER BY 1, 2, 3, 4",
            (f"{cluster.prefix}\\_%",),
        ).fetchall()

    first = privileges()
    cluster.grant()
    assert privileges() == first
    by_role = {(grantee, table, kind) for grantee, table, _column, kind in first}
    cashier = db_roles.group_role("cashier", cluster.prefix)
    readonly = db_roles.group_role("readonly", cluster.prefix)
    assert (cashier, "audit_event", "INSERT") in by_role
    assert (cashier, "audit_event", "UPDATE") not in by_role
    sale_updates = {
        column
        for grantee, table, column, kind in first
        if grantee == cashier and table == "sale" and kind == "UPDATE"
    }
    assert sale_updates == {"printed", "printed_at"}  # loyalty figures only in the INSERT
    assert not any(
        grantee == readonly and kind != "SELECT" for grantee, _table, _column, kind in first
    )
    hidden = {
        column
        for grantee, table, column, _kind in first
        if grantee == readonly and table == "app_user"
    }
    assert "username" in hidden and "password_hash" not in hidden and "pin_hash" not in hidden


@pytest.mark.pg_only
@on_postgres
def test_each_staff_member_logs_in_as_their_own_role(cluster, owner, make_product, db_url):
    salt = make_product("Tata Salt 1kg", "28.00", stock="10")
    actor_for("kiran", Role.CASHIER, password="kiran-pass", by=owner)
    cluster.grant()
    with pytest.raises(ValidationError, match="posterm password"):
        db_roles.grant_staff("kiran", "not-her-password", cluster.prefix)
    login, group = db_roles.grant_staff("kiran", "kiran-pass", cluster.prefix)
    cluster.logins.append(login)
    assert (login, group) == (
        f"{cluster.prefix}_user_kiran",
        db_roles.group_role("cashier", cluster.prefix),
    )
    readonly = cluster.login("readonly")

    # The login screen's password opens the database as kiran's own role.
    with pytest.raises(LoginFailed, match="PIN cannot open"):
        log_in(db_url, "kiran", "4321", pin=True, prefix=cluster.prefix)
    _close_pool()
    user = log_in(db_url, "Kiran", "kiran-pass", terminal="till-1", prefix=cluster.prefix)
    assert user.username == "kiran" and connected_as() == login
    assert database.execute_sql("SELECT current_user").fetchone()[0] == login
    kiran = Actor(user.id, user.username, user.role, "till-1")
    sale = sell(kiran, (salt, 1), tenders=[("cash", "28")])
    assert sale.total == D(28)
    # Unlocking the till with a PIN works while the connection is kiran's.
    assert log_in(db_url, "kiran", "4321", pin=True, prefix=cluster.prefix).id == user.id

    assert_history_is_immutable(sale.id)
    refused("UPDATE setting SET value = 'x' WHERE key = 'store_name'")
    refused("UPDATE app_user SET role = 'owner' WHERE username = 'kiran'")
    refused("UPDATE app_user SET password_hash = 'x' WHERE username = 'owner'")
    refused("INSERT INTO tax_rate (name) VALUES ('sneaky')")

    cluster.connect_as(readonly)
    assert database.execute_sql("SELECT count(*) FROM sale").fetchone()[0] == 1
    assert database.execute_sql("SELECT username FROM app_user WHERE username = 'kiran'").fetchone()
    refused("SELECT password_hash FROM app_user")
    refused("INSERT INTO customer (code) VALUES ('X')")
    refused("UPDATE product SET price = 0")
    refused("INSERT INTO audit_event (username) VALUES ('x')")


@pytest.mark.pg_only
@on_postgres
def test_a_disabled_user_loses_the_database_login_too(cluster, owner):
    from posterm.services import auth

    actor_for("ravi", Role.STAFF, password="ravi-pass", by=owner)
    cluster.grant()
    auth.set_active(owner, "ravi", False)
    login, group = db_roles.grant_staff("ravi", "ravi-pass", cluster.prefix)
    cluster.logins.append(login)
    assert group == db_roles.group_role("cashier", cluster.prefix)  # staff: the counter's rights
    can_login = database.execute_sql(
        "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (login,)
    ).fetchone()[0]
    assert can_login is False


@pytest.mark.pg_only
@on_postgres
def test_a_new_password_reaches_the_users_database_login(cluster, owner):
    from posterm.services import auth

    actor_for("kiran", Role.CASHIER, password="kiran-pass", by=owner)
    actor_for("ravi", Role.CASHIER, password="ravi-pass", by=owner)
    cluster.grant()
    login, _group = db_roles.grant_staff("kiran", "kiran-pass", cluster.prefix)
    cluster.logins.append(login)

    def verifier() -> str:
        sql = "SELECT rolpassword FROM pg_authid WHERE rolname = %s"
        return database.execute_sql(sql, (login,)).fetchone()[0]

    before = verifier()
    auth.change_password(owner, "kiran", "kiran-new-pass")
    assert db_roles.update_staff_password("Kiran", "kiran-new-pass", cluster.prefix) == login
    after = verifier()
    assert after != before and after.startswith("SCRAM-SHA-256$")
    # The server's check of a SCRAM verifier: the new password's keys, under the same salt.
    _scheme, rest = after.split("$", 1)
    salt = base64.b64decode(rest.split(":")[1].split("$")[0])
    assert db_roles.scram_verifier("kiran-new-pass", salt=salt) == after
    # A user without a database login (not granted yet) has nothing to follow.
    assert db_roles.update_staff_password("ravi", "ravi-pass-2", cluster.prefix) is None
    # And then `db grant --staff` takes the new posterm password.
    assert db_roles.grant_staff("kiran", "kiran-new-pass", cluster.prefix)[0] == login


@pytest.mark.pg_only
@on_postgres
def test_user_passwd_changes_the_database_login_or_says_what_to_run(
    cluster, owner, db_url, monkeypatch, capsys
):
    actor_for("kiran", Role.CASHIER, password="kiran-pass", by=owner)
    cluster.grant()
    cluster.logins.append(db_roles.grant_staff("kiran", "kiran-pass", cluster.prefix)[0])
    monkeypatch.setenv("POSTERM_DATABASE_ROLE_PREFIX", cluster.prefix)
    passwd = ["user", "passwd", "kiran", "--password"]
    assert cli.main(["--database", db_url, *passwd, "kiran-pass-2"]) == 0
    assert "has the new password too" in capsys.readouterr().out
    # A till's own login may change posterm's password but not a database role's.
    till = cluster.login("app")
    assert cli.main(["--database", login_url(db_url, till, LOGIN_PASSWORD), *passwd, "kp-3"]) == 1
    out, err = capsys.readouterr()
    assert "Password of 'kiran' changed." in out
    assert "still has the old password" in err and "posterm db grant --staff kiran" in err
    assert "Traceback" not in err


@pytest.mark.pg_only
@on_postgres
def test_db_grant_on_the_command_line(cluster, owner, db_url, monkeypatch, capsys):
    args = ["--database", db_url, "db", "grant", "--role-prefix", cluster.prefix]
    assert cli.main(args) == 0
    login = f"{cluster.prefix}_till"
    cluster.logins.append(login)
    monkeypatch.setenv(cli.GRANT_PASSWORD_ENV, "s3cret-Till-pw")
    assert cli.main([*args, "--login", login, "--role", "app"]) == 0
    out, err = capsys.readouterr()
    assert f"Login {login} is a member of {cluster.prefix}_app." in out
    assert "s3cret-Till-pw" not in out + err
    stored = database.execute_sql(
        "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (login,)
    ).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$4096:")  # sent as a verifier, never in clear
    # A privileged role is never touched, and a login needs its group.
    assert cli.main([*args, "--login", "postgres", "--role", "app"]) == 1
    assert "privileged role" in capsys.readouterr().err
    assert cli.main([*args, "--login", login]) == 1
    assert "--role" in capsys.readouterr().err
    assert User.select().count() == 1 and AuditEvent.select().count() >= 1


def test_db_grant_refuses_sqlite_in_one_line(sqlite_url, capsys):
    assert cli.main(["--database", sqlite_url, "db", "grant"]) == 1
    assert "only on PostgreSQL" in capsys.readouterr().err
    with pytest.raises(ConfigError):
        db_roles.apply_roles()


def test_scram_verifier_matches_postgresqls_format():
    # RFC 7677's example password and salt give PostgreSQL's documented verifier shape.
    verifier = db_roles.scram_verifier("pencil", salt=b"\x00" * 16)
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    assert method == "SCRAM-SHA-256" and iterations_salt.startswith("4096:")
    stored_key, server_key = keys.split(":")
    assert len(stored_key) == len(server_key) == 44  # base64 of 32 bytes
    assert verifier != db_roles.scram_verifier("pencil")  # a fresh salt each time
    # SASLprep, as libpq applies it when it logs in: full-width letters and a no-break space
    # are the ASCII ones, a soft hyphen is nothing.
    salt = b"\x01" * 16
    same = db_roles.scram_verifier("pass word", salt=salt)
    assert db_roles.scram_verifier("ｐａｓｓ\u00a0wo\u00adrd", salt=salt) == same


def test_login_urls_keep_host_database_and_options():
    url = "postgresql://app:old@db.lan:5433/shop?options=-csearch_path%3Dshop2"
    made = login_url(url, "posterm_user_kiran", "p@ss:w/rd")
    assert made == (
        "postgresql://posterm_user_kiran:p%40ss%3Aw%2Frd@db.lan:5433/shop"
        "?options=-csearch_path%3Dshop2"
    )
    assert "p%40ss" not in redacted(made)
    assert cli.DB_GROUPS == db_roles.GROUPS


@pytest.mark.pg_only
@on_postgres
async def test_the_login_screen_opens_the_database_as_the_user(cluster, owner, db_url):
    from posterm.app import PostermApp
    from posterm.config import Config
    from posterm.ui.screens.billing import BillingScreen
    from posterm.ui.screens.login import LoginScreen
    from tests.ui.conftest import settle, type_text

    actor_for("kiran", Role.CASHIER, password="kiran-pass", by=owner)
    cluster.grant()
    kiran_login, _group = db_roles.grant_staff("kiran", "kiran-pass", cluster.prefix)
    cluster.logins.append(kiran_login)
    before_login = cluster.login("readonly")
    config = Config(
        database_url=login_url(db_url, before_login, LOGIN_PASSWORD),
        terminal="till-1",
        database_login="per_staff",
        database_role_prefix=cluster.prefix,
    )
    _close_pool()
    app = PostermApp(config)

    async def log_in_as(pilot, username: str, secret: str) -> None:
        await type_text(pilot, username)
        await pilot.press("enter")
        await type_text(pilot, secret)
        await pilot.press("enter")
        await settle(pilot)

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and connected_as() == before_login
        await log_in_as(pilot, "kiran", "not-it")
        assert isinstance(app.screen, LoginScreen)
        # PostgreSQL refuses the password; a server that trusts every connection (CI's) lets
        # it through, and then posterm's own check does.
        assert str(app.screen.query_one("#login-error").content) in (
            "Wrong username or password.",
            "Wrong username, password or PIN.",
        )
        await log_in_as(pilot, "kiran", "kiran-pass")
        assert isinstance(app.screen, BillingScreen)
        assert connected_as() == kiran_login
        # Locked, the owner cannot take over with a PIN: only a password opens the database.
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        app.screen.query_one("#username").value = "owner"
        await pilot.press("f2")  # PIN
        await type_text(pilot, "1234")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "a PIN cannot open the database" in str(app.screen.query_one("#login-error").content)
        assert connected_as() == kiran_login


@pytest.mark.pg_only
@on_postgres
def test_a_till_login_asks_for_the_owner_when_an_upgrade_is_pending(cluster, owner):
    cluster.grant()
    till = cluster.login("app")
    last = database.execute_sql("SELECT max(name) FROM schema_migration").fetchone()[0]
    database.execute_sql("DELETE FROM schema_migration WHERE name = %s", (last,))
    try:
        _close_pool()
        with pytest.raises(SchemaMismatch, match="run `posterm db upgrade` as the owner"):
            system.open_store(login_url(cluster.url, till, LOGIN_PASSWORD))
    finally:
        cluster.back_to_superuser()
        database.execute_sql(
            "INSERT INTO schema_migration (name, applied) VALUES (%s, now())", (last,)
        )


@pytest.mark.pg_only
@on_postgres
def test_granting_needs_the_owner_and_posterms_tables(cluster, owner):
    cluster.grant()
    cluster.connect_as(cluster.login("app"))
    with pytest.raises(ConfigError, match="run it as the owner of posterm's tables"):
        db_roles.apply_roles(cluster.prefix)
    cluster.back_to_superuser()
    empty = f"{cluster.prefix}_empty"
    database.execute_sql(f"CREATE SCHEMA {empty}")
    try:
        database.execute_sql(f"SET search_path = {empty}")
        with pytest.raises(ConfigError, match="holds no posterm tables"):
            db_roles.apply_roles(cluster.prefix)
    finally:
        database.execute_sql(f"DROP SCHEMA {empty}")
    with pytest.raises(ValidationError, match="role_prefix"):
        db_roles.apply_roles("Bad-Prefix")


def test_the_login_mode_and_prefix_are_checked_in_the_config():
    from posterm.config import Config

    assert Config(database_login="per_staff", database_role_prefix="shop2").database_login == (
        "per_staff"
    )
    with pytest.raises(ConfigError, match="database_login"):
        Config(database_login="everyone")
    with pytest.raises(ConfigError, match="database_role_prefix"):
        Config(database_role_prefix="2shop")


@pytest.mark.pg_only
@on_postgres
def test_a_cashiers_own_login_runs_the_rest_of_the_shop(cluster, owner, make_product, db_url):
    """The cashier group is the bottom of the chain: what works here works for every role."""
    from datetime import date

    from posterm.domain.customers import CustomerForm
    from posterm.domain.open_bill import BillItem, OpenBill
    from posterm.domain.purchases import PurchaseLineRequest, PurchaseRequest, SupplierInput
    from posterm.services import customers, held_sales, purchasing, shifts, suppliers

    rice = make_product("Basmati Rice 1kg", "100.00", stock="20", tax="GST 0%")
    actor_for("kiran", Role.CASHIER, password="kiran-pass", by=owner)
    cluster.grant()
    cluster.logins.append(db_roles.grant_staff("kiran", "kiran-pass", cluster.prefix)[0])
    user = log_in(db_url, "kiran", "kiran-pass", terminal="till-2", prefix=cluster.prefix)
    kiran = Actor(user.id, user.username, user.role, "till-2")

    shifts.open_new_shift(kiran, "500")
    shifts.record_cash(kiran, "payout", "30", "supplier", "milk boy")
    bill = OpenBill()
    bill.add(
        BillItem(
            product_id=rice.id,
            code=rice.code,
            name=rice.name,
            unit=rice.unit,
            sold_by_weight=False,
            list_price=rice.price,
            unit_price=rice.price,
            tax_rate=D(0),
            hsn_code=rice.hsn_code,
            quantity=D(1),
        )
    )
    held_sales.save_open_bill(kiran, bill)
    held_sales.hold_bill(kiran, bill, "back in 5")
    [parked] = held_sales.list_held()
    held_sales.discard_bill(kiran, parked.uuid)
    customers.create_customer(kiran, CustomerForm("Sunita Devi", phone="9876500001"))
    supplier = suppliers.create_supplier(kiran, SupplierInput("Sharma Traders"))
    purchasing.post_purchase(
        kiran,
        PurchaseRequest(
            supplier.id,
            "INV-7",
            date.today(),
            (PurchaseLineRequest(rice.id, D(10), D(80), D(0)),),
            D(0),
            "cash",
        ),
    )
    purchasing.pay_supplier(kiran, supplier.id, D(300), "cash")
    count = stock.start_count(kiran, "Rice shelf", product_ids=[rice.id])
    stock.set_counted(kiran, count.id, rice.id, D(29))
    stock.post_count(kiran, count.id)
    sell(kiran, (rice, 3), tenders=[("cash", "300")])  # draws on the purchase's batch
    shifts.close_shift(kiran, {"500": "1", "200": "1", "50": "1", "20": "1"})

    assert (
        database.execute_sql("SELECT current_user").fetchone()[0] == f"{cluster.prefix}_user_kiran"
    )
    assert doctor_problems() == []
    refused("UPDATE purchase SET total = 0")
    refused("DELETE FROM supplier_entry")
    refused("UPDATE batch SET unit_cost = 0")


@pytest.mark.pg_only
@on_postgres
def test_a_refusal_on_the_command_line_is_one_line(cluster, owner, capsys):
    cluster.grant()
    reports = cluster.login("readonly")
    url = login_url(cluster.url, reports, LOGIN_PASSWORD)
    code = cli.main(
        ["--database", url, "user", "add", "eve", "--role", "owner", "--password", "x" * 8]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "the database refused: permission denied for table" in err
    assert "Traceback" not in err and LOGIN_PASSWORD not in err
    assert cli.main(["--database", url, "report", "sales-by-day"]) == 0  # reading is fine
