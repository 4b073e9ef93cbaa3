"""The `posterm` command: each sub-command, and one clear line for every mistake."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from posterm.cli import main
from posterm.data.models import Product
from posterm.data.schema import MIGRATIONS_DIR


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'shop.db'}"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def init_store(capsys, url: str) -> None:
    assert (
        run(
            capsys,
            "--database",
            url,
            "init",
            "--store-name",
            "S",
            "--owner",
            "owner",
            "--password",
            "secret",
        )[0]
        == 0
    )


def test_init_users_settings_and_doctor(capsys, url):
    shipped = sorted(path.stem for path in MIGRATIONS_DIR.glob("[0-9]*.py"))
    assert run(capsys, "--database", url, "db", "status")[1].splitlines()[1:] == [
        f"schema: empty (0 applied, {len(shipped)} pending)",
        *(f"pending: {name}" for name in shipped),
    ]
    assert run(capsys, "--database", url, "db", "upgrade")[1].splitlines()[1] == (
        f"schema: {shipped[-1]} ({len(shipped)} applied, 0 pending)"
    )
    assert run(capsys, "--database", url, "db", "upgrade")[1].splitlines()[2] == (
        "already up to date"
    )
    code, out, _ = run(
        capsys,
        "init",
        "--database",
        url,
        "--store-name",
        "Sharma Kirana",
        "--owner",
        "ravi",
        "--password",
        "secret",
        "--pin",
        "1234",
    )
    assert code == 0 and "Created store 'Sharma Kirana'" in out
    assert (
        run(
            capsys,
            "--database",
            url,
            "user",
            "add",
            "asha",
            "--role",
            "cashier",
            "--password",
            "pw12",
        )[0]
        == 0
    )
    code, out, _ = run(capsys, "--database", url, "user", "list")
    assert [line.split()[:3] for line in out.splitlines()] == [
        ["asha", "cashier", "active"],
        ["ravi", "owner", "active"],
    ]
    assert run(capsys, "--database", url, "user", "disable", "asha")[1] == (
        "User 'asha' disabled.\n"
    )
    assert run(capsys, "--database", url, "user", "passwd", "asha", "--pin", "5678")[0] == 0
    assert run(capsys, "--database", url, "settings", "set", "cash_rounding", "1")[1] == (
        "cash_rounding = 1.00\n"
    )
    assert run(capsys, "--database", url, "settings", "get", "store_name")[1] == ("Sharma Kirana\n")
    code, out, _ = run(capsys, "--database", url, "doctor")
    assert code == 0 and out.strip().endswith("all checks passed")


def test_doctor_fails_with_the_violation_on_its_own_line(capsys, url):
    init_store(capsys, url)
    from decimal import Decimal

    Product.create(code="X", name="x", search_name="x", price=Decimal(1), stock=Decimal(2))
    code, out, _ = run(capsys, "--database", url, "doctor")
    assert code == 1
    assert "FAIL stock equals the stock ledger" in out
    assert "     product X: cached 2.000 but the ledger sums to 0.000" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["settings", "set", "cash_rounding", "0.3"],
            "posterm: cash_rounding: must be one of none, 0.05, 0.10, 0.50, 1.00\n",
        ),
        (
            ["user", "add", "x", "--role", "boss", "--password", "12345"],
            "posterm: username: 2 to 32 characters: a letter, then letters, digits, '.', '_' or "
            "'-'\n",
        ),
        (
            ["user", "add", "xy", "--role", "boss", "--password", "12345"],
            "posterm: role: 'boss' is not one of owner, manager, cashier, staff\n",
        ),
        (["user", "disable", "nobody"], "posterm: No user named 'nobody'.\n"),
        (
            ["init", "--store-name", "S", "--owner", "o2", "--password", "secret"],
            "posterm: This database already has a store; log in instead.\n",
        ),
        (
            ["user", "add", "zed", "--role", "staff"],
            "posterm: password: missing (give --password)\n",
        ),
    ],
)
def test_mistakes_are_one_line_and_exit_1(capsys, url, argv, message):
    init_store(capsys, url)
    code, _, err = run(capsys, "--database", url, *argv)
    assert (code, err) == (1, message)


def test_unreachable_postgres_is_one_line(capsys):
    code, _, err = run(capsys, "--database", "postgresql://postgres:pw@127.0.0.1:1/x", "doctor")
    assert code == 1
    assert err.startswith("posterm: cannot connect to PostgreSQL at 127.0.0.1:1/x: ")
    assert err.count("\n") == 1 and "pw" not in err


def test_bad_config_file_is_one_line(capsys, tmp_path):
    config = tmp_path / "posterm.toml"
    config.write_text('printer = "lpt1"\n')
    code, _, err = run(capsys, "--config", str(config), "doctor")
    assert code == 1 and err.startswith("posterm: config key 'printer'")


def test_python_dash_m_posterm_works():
    result = subprocess.run(
        [sys.executable, "-m", "posterm", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("posterm ")


def test_import_reports_every_bad_row_and_export_round_trips(capsys, url, tmp_path):
    init_store(capsys, url)
    bad = tmp_path / "bad.csv"
    bad.write_text("code;name;price\nA1;Apple;10\nA2;;x\n", encoding="utf-8-sig")
    code, out, err = run(capsys, "--database", url, "import", "products", str(bad))
    assert code == 1
    assert f"{bad}: row 3, price: 'x' is not a plain number" in err
    assert "1 problem found: nothing was imported." in err
    assert Product.select().count() == 0

    good = tmp_path / "good.csv"
    good.write_text("code,name,price,stock\nA1,Apple,10,5\n", encoding="utf-8")
    code, out, _ = run(capsys, "--database", url, "import", "products", str(good), "--dry-run")
    assert (code, out) == (
        0,
        "1 products read: 1 added, 0 updated, 0 unchanged; 1 stock "
        "change (a dry run: nothing was written).\n",
    )
    assert run(capsys, "--database", url, "import", "products", str(good))[0] == 0
    exported = tmp_path / "out.csv"
    code, out, _ = run(capsys, "--database", url, "export", "products", str(exported))
    assert (code, out) == (0, f"Exported 1 products to {exported}.\n")
    assert exported.read_text().splitlines()[1] == "A1,Apple,,,,pcs,10.00,0.00,,,5,0,no"
    code, out, _ = run(capsys, "--database", url, "import", "products", str(exported))
    assert "0 added, 0 updated, 1 unchanged" in out
    assert run(capsys, "--database", url, "doctor")[0] == 0


def test_report_list_table_csv_and_print(capsys, url, tmp_path, monkeypatch):
    from posterm.services.reports import REPORTS

    init_store(capsys, url)
    stock = tmp_path / "stock.csv"
    stock.write_text("code,name,price,cost,stock\nA1,Apple,10,6,5\n", encoding="utf-8")
    assert run(capsys, "--database", url, "import", "products", str(stock))[0] == 0

    code, out, _ = run(capsys, "--database", url, "report", "list")
    assert code == 0
    assert [line.split("\t")[0] for line in out.splitlines()] == list(REPORTS)

    code, out, _ = run(capsys, "--database", url, "report", "inventory-valuation")
    assert code == 0
    assert out.splitlines()[0].startswith("Inventory valuation, ")
    assert out.splitlines()[-1].split() == ["Total", "1", "30.00", "50.00"]

    sheet = tmp_path / "stock-value.csv"
    argv = ("--database", url, "report", "inventory-valuation", "--csv", str(sheet))
    assert run(capsys, *argv)[0] == 0
    # Stock on hand is the shop now, whatever the dates: each row says as of when.
    lines = sheet.read_text().splitlines()
    stamp = lines[1].rsplit(",", 1)[1]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", stamp)
    assert lines == [
        "Category,Items,Units,At cost,At price,As of",
        f"(none),1,5,30.00,50.00,{stamp}",
        f"Total,1,,30.00,50.00,{stamp}",
    ]

    paper = tmp_path / "printer.bin"
    monkeypatch.setenv("POSTERM_PRINTER", f"file:{paper}")
    code, out, _ = run(capsys, "--database", url, "report", "sales-by-day", "--print")
    assert (code, out) == (0, "Printed Sales by day.\n")
    assert b"SALES BY DAY" in paper.read_bytes()
    assert run(capsys, "--database", url, "report", "inventory-valuation", "--print")[0] == 0
    assert b"INVENTORY VALUATION" in paper.read_bytes() and b"as of " in paper.read_bytes()

    code, _, err = run(capsys, "--database", url, "report", "sales-by-weather")
    assert (code, err.count("\n")) == (1, 1)
    assert "No report named 'sales-by-weather'" in err
    code, _, err = run(capsys, "--database", url, "report", "tax-summary", "--from", "31-02-2026")
    assert code == 1 and "from: '31-02-2026' is not a date" in err
