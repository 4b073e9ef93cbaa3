"""The `posterm` command: runs the till (default) and the owner's maintenance commands.

Every failure a user can cause ends in one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime

from posterm import __version__, paths
from posterm.config import Config, load_config, readable_password_warning
from posterm.domain.errors import ConfigError, PostermError, ValidationError
from posterm.domain.permissions import Actor, command_line_actor

EXIT_FAILURE = 1
EXIT_INTERNAL = 70
log = logging.getLogger("posterm")


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS keeps a sub-command's absent option from hiding the same option given earlier.
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config file (default: posterm.toml in the config dir)",
    )
    common.add_argument(
        "--database",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="sqlite:///PATH or postgresql://USER:PW@HOST:PORT/DB",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="posterm",
        parents=[common],
        description="Keyboard-first point of sale for the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"posterm {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("run", parents=[common], help="run the till (the default)")

    demo = commands.add_parser("demo", parents=[common], help="build and open the demo shop")
    demo.add_argument("--no-run", action="store_true", help="build it, then exit")
    demo.add_argument(
        "--rebuild",
        action="store_true",
        help="delete the demo SQLite file first and build it again",
    )

    init = commands.add_parser("init", parents=[common], help="create a new store and its owner")
    init.add_argument("--store-name", metavar="NAME")
    init.add_argument("--owner", metavar="USER")
    init.add_argument("--password", metavar="PW")
    init.add_argument("--pin", metavar="N")

    db = commands.add_parser("db", parents=[common], help="database schema")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("status", parents=[common], help="schema version and pending upgrades")
    db_commands.add_parser("upgrade", parents=[common], help="apply pending upgrades")
    _db_grant_parser(db_commands, common)

    settings = commands.add_parser("settings", parents=[common], help="store-wide settings")
    settings_commands = settings.add_subparsers(
        dest="settings_command", metavar="ACTION", required=True
    )
    settings_commands.add_parser("list", parents=[common], help="every setting and its value")
    get = settings_commands.add_parser("get", parents=[common], help="one setting's value")
    get.add_argument("key")
    set_ = settings_commands.add_parser("set", parents=[common], help="change one setting")
    set_.add_argument("key")
    set_.add_argument("value")

    user = commands.add_parser("user", parents=[common], help="users and their passwords")
    user_commands = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = user_commands.add_parser("add", parents=[common], help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, help="owner, manager, cashier or staff")
    add.add_argument("--password", metavar="PW")
    add.add_argument("--pin", metavar="N")
    add.add_argument("--name", default="", help="full name shown on receipts")
    passwd = user_commands.add_parser(
        "passwd", parents=[common], help="set a user's password (and PIN)"
    )
    passwd.add_argument("username")
    passwd.add_argument("--password", metavar="PW")
    passwd.add_argument("--pin", metavar="N", help="set a PIN; 'none' removes it")
    user_commands.add_parser("list", parents=[common], help="list users")
    for action in ("disable", "enable"):
        toggle = user_commands.add_parser(action, parents=[common], help=f"{action} a user")
        toggle.add_argument("username")

    commands.add_parser(
        "doctor", parents=[common], help="check connectivity, schema and every ledger invariant"
    )
    _add_csv_commands(commands, common)
    _hardware_parsers(commands, common)
    _report_parser(commands, common)
    _backup_parsers(commands, common)
    _serve_parser(commands, common)
    return parser


def _add_csv_commands(commands, common: argparse.ArgumentParser) -> None:
    importer = commands.add_parser("import", parents=[common], help="import products or suppliers")
    exporter = commands.add_parser("export", parents=[common], help="export products or suppliers")
    for parser, verb in ((importer, "import"), (exporter, "export")):
        what = parser.add_subparsers(dest="csv_what", metavar="WHAT", required=True)
        for name in ("products", "suppliers"):
            one = what.add_parser(name, parents=[common], help=f"{verb} {name} (CSV)")
            one.add_argument("file", metavar="FILE.csv")
            if verb == "import":
                one.add_argument(
                    "--dry-run", action="store_true", help="check the file, write nothing"
                )


# --- counter hardware: posterm printer|scanner|scale|display test (posterm/hardware/checks.py)


def _hardware_parsers(commands, common: argparse.ArgumentParser) -> None:
    for device, what in [
        ("printer", "print a test page (columns, styles, code page, barcode, cut)"),
        ("scanner", "show each code received and its key timings"),
        ("scale", "read the scale a few times"),
        ("display", "show a sale's steps on the customer display"),
    ]:
        parser = commands.add_parser(device, parents=[common], help=f"{device}: {what}")
        actions = parser.add_subparsers(dest=f"{device}_command", metavar="ACTION", required=True)
        test = actions.add_parser("test", parents=[common], help=what)
        test.add_argument(
            "--device",
            dest="device_spec",
            metavar="SPEC",
            help=f"instead of the config's {device} value",
        )
        if device == "printer":
            test.add_argument("--drawer", action="store_true", help="kick the cash drawer too")
        if device == "scanner":
            test.add_argument("--count", type=int, default=0, help="stop after N scans")
            test.add_argument("--seconds", type=float, default=0, help="stop after N seconds")
        if device == "scale":
            test.add_argument("--readings", type=int, default=5, help="how many readings")


def cmd_printer(args: argparse.Namespace, config: Config) -> int:
    from posterm.hardware.checks import printer_test
    from posterm.hardware.printer import PrintOptions

    spec = _device(args, config, "printer")
    options = PrintOptions(
        profile=config.printer_profile or None,
        codepage=config.printer_codepage,
        currency_fallback=config.printer_fallback,
        font_path=config.printer_font,
        drawer_pin=config.drawer_pin,
        drawer_pulse_ms=config.drawer_pulse_ms,
    )
    printer_test(
        spec, config.receipt_columns, options, config.printer_timeout, print, kick=args.drawer
    )
    return 0


def cmd_scanner(args: argparse.Namespace, config: Config) -> int:
    from posterm.hardware import checks
    from posterm.hardware.scanner import wedge_settings

    spec = args.device_spec or config.scanner
    if spec.startswith("serial:"):
        checks.serial_scanner_test(
            spec,
            print,
            count=args.count,
            seconds=args.seconds,
            prefix=config.scanner_prefix,
            suffix=config.scanner_suffix,
        )
    else:
        checks.keyboard_scanner_test(
            wedge_settings(config),
            lambda line: print(line, flush=True),
            count=args.count,
            seconds=args.seconds,
        )
    return 0


def cmd_scale(args: argparse.Namespace, config: Config) -> int:
    from posterm.hardware.checks import scale_test

    stable = scale_test(_device(args, config, "scale"), print, readings=args.readings)
    return 0 if stable else EXIT_FAILURE


def cmd_display(args: argparse.Namespace, config: Config) -> int:
    from posterm.hardware.checks import display_test

    spec = _device(args, config, "display")
    display_test(spec, config.display_protocol, config.display_idle, print)
    return 0


def _device(args: argparse.Namespace, config: Config, key: str) -> str:
    spec = args.device_spec or getattr(config, key)
    if spec in ("none", "keyboard"):
        raise ConfigError(f"no {key} configured (set {key} in posterm.toml, or give --device)")
    return spec


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    secrets = _secrets(args)
    try:
        config = load_config(
            getattr(args, "config", None), database_url=getattr(args, "database", None)
        )
        secrets += _secrets_of_url(config.database_url)
        warning = readable_password_warning(getattr(args, "config", None))
        if warning:
            print(f"posterm: {warning}", file=sys.stderr)
        return COMMANDS[command](args, config)
    except PostermError as exc:
        print(f"posterm: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("posterm: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: a user never sees a traceback
        refusal = _database_refusal(exc)
        if refusal:
            print(f"posterm: {refusal}", file=sys.stderr)
            return EXIT_FAILURE
        where = _write_crash_log(secrets)
        print(
            f"posterm: unexpected error ({type(exc).__name__}); details in {where}", file=sys.stderr
        )
        return EXIT_INTERNAL


def _database_refusal(exc: Exception) -> str | None:
    """One line for PostgreSQL refusing this login something (its roles: `posterm db grant`)."""
    peewee = sys.modules.get("peewee")  # loaded by then, if a database was reached at all
    if peewee is None or not isinstance(exc, peewee.ProgrammingError):
        return None
    text = str(exc).splitlines()[0].strip() if str(exc) else ""
    if "permission denied" not in text:
        return None
    return (
        f"the database refused: {text} (this login's role may not do that; "
        "see 'PostgreSQL roles' in the README)"
    )


# --- no password or PIN in the crash log: URLs redacted, and every secret we were given masked

_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>]+")


def _secrets(args: argparse.Namespace) -> list[str]:
    given = [getattr(args, name, None) for name in ("password", "pin")]
    given.append(os.environ.get(GRANT_PASSWORD_ENV))
    return [value for value in given if value] + _secrets_of_url(getattr(args, "database", ""))


def _secrets_of_url(url: str | None) -> list[str]:
    from urllib.parse import unquote, urlparse

    password = urlparse(url or "").password
    return [password, unquote(password)] if password else []


def scrubbed(text: str, secrets: Sequence[str] = ()) -> str:
    """`text` with every URL's password replaced and each secret's own text masked."""
    from posterm.data.database import redacted

    text = _URL.sub(lambda match: redacted(match.group(0)), text)
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _write_crash_log(secrets: Sequence[str] = ()) -> str:
    try:
        paths.log_dir().mkdir(parents=True, exist_ok=True)
        path = paths.log_dir() / "crash.log"
        with path.open("a", encoding="utf-8") as log_file:
            log_file.write(f"--- {datetime.now().isoformat()} posterm {__version__}\n")
            log_file.write(scrubbed(traceback.format_exc(), secrets))
        return str(path)
    except OSError:
        return "(the log directory is not writable)"


def _actor(config: Config) -> Actor:
    return command_line_actor(getpass.getuser(), config.terminal)


def _open(config: Config, *, upgrade: bool = True):
    from posterm.services.system import open_store

    opened = open_store(config.database_url, upgrade_schema=upgrade)
    for name in opened.upgraded:
        print(f"upgraded the database: {name}", file=sys.stderr)
    return opened


def _ask(value: str | None, prompt: str, *, secret: bool = False, field: str) -> str:
    if value:
        return value
    if not sys.stdin.isatty():
        raise ValidationError(field, f"missing (give --{field.replace('_', '-')})")
    reader: Callable[[str], str] = getpass.getpass if secret else input
    answer = reader(f"{prompt}: ").strip()
    if secret and answer and reader(f"{prompt} again: ").strip() != answer:
        raise ValidationError(field, "the two entries differ")
    if not answer:
        raise ValidationError(field, "must not be empty")
    return answer


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    from posterm.app import run_app

    return run_app(config)


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from posterm.services.demo import build_demo

    url = getattr(args, "database", None) or paths.demo_database_url()
    if args.rebuild and url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            path = url[len("sqlite:///") :] + suffix
            if os.path.exists(path):
                os.remove(path)
    config = config.replace(database_url=url)
    _open(config)
    summary = build_demo(_actor(config), progress=lambda text: print(text, file=sys.stderr))
    print(summary)
    if args.no_run:
        return 0
    return cmd_run(args, config)


def cmd_init(args: argparse.Namespace, config: Config) -> int:
    from posterm.services.store import init_store

    _open(config)
    store_name = _ask(args.store_name, "Store name", field="store_name")
    owner = _ask(args.owner, "Owner username", field="owner")
    password = _ask(args.password, "Owner password", secret=True, field="password")
    init_store(_actor(config), store_name, owner, password, args.pin)
    print(f"Created store '{store_name}' with owner '{owner}'. Start the till with: posterm")
    return 0


def cmd_db(args: argparse.Namespace, config: Config) -> int:
    if args.db_command == "grant":
        return cmd_db_grant(args, config)
    opened = _open(config, upgrade=args.db_command == "upgrade")
    status = opened.schema
    print(f"database: {opened.kind} {opened.url}")
    print(
        f"schema: {status.version} ({len(status.applied)} applied, {len(status.pending)} pending)"
    )
    for name in status.pending:
        print(f"pending: {name}")
    if args.db_command == "upgrade" and not opened.upgraded:
        print("already up to date")
    return 0


def cmd_settings(args: argparse.Namespace, config: Config) -> int:
    from posterm.services import settings

    _open(config)
    if args.settings_command == "list":
        rows = settings.list_settings()
        width = max(len(key) for key, _, _ in rows)
        for key, value, _label in rows:
            print(f"{key:<{width}}  {value}".replace("\n", "\\n"))
    elif args.settings_command == "get":
        print(settings.get_setting(args.key))
    else:
        stored = settings.set_setting(_actor(config), args.key, args.value)
        print(f"{args.key} = {stored}".replace("\n", "\\n"))
    return 0


def cmd_user(args: argparse.Namespace, config: Config) -> int:
    from posterm.services import auth

    _open(config)
    actor = _actor(config)
    action = args.user_command
    status = 0
    if action == "list":
        for user in auth.list_users():
            state = "active" if user.active else "disabled"
            pin = "pin" if user.has_pin else "-"
            print(f"{user.username:<20} {user.role.value:<8} {state:<8} {pin:<4} {user.full_name}")
    elif action == "add":
        password = _ask(args.password, "Password", secret=True, field="password")
        user = auth.create_user(actor, args.username, args.role, password, args.pin, args.name)
        print(f"Added {user.role.value} '{user.username}'.")
    elif action == "passwd":
        if args.password or args.pin is None:
            password = _ask(args.password, "New password", secret=True, field="password")
            auth.change_password(actor, args.username, password)
            print(f"Password of '{args.username}' changed.")
            if not _staff_login_follows(args.username, password, config):
                status = 1
        if args.pin is not None:
            pin = None if args.pin.lower() == "none" else args.pin
            auth.set_pin(actor, args.username, pin)
            print(f"PIN of '{args.username}' {'set' if pin else 'removed'}.")
    else:
        user = auth.set_active(actor, args.username, action == "enable")
        print(f"User '{user.username}' {'enabled' if user.active else 'disabled'}.")
    return status


def _staff_login_follows(username: str, password: str, config: Config) -> bool:
    """Per-staff mode: the user's PostgreSQL login takes the new password too; False (and
    what to run) when this connection may not change it."""
    from posterm.services import db_roles

    try:
        login = db_roles.update_staff_password(username, password, config.database_role_prefix)
    except PostermError as error:
        print(
            f"The database login still has the old password ({error}). As the database "
            f"owner, run: posterm db grant --staff {username}",
            file=sys.stderr,
        )
        return False
    if login is not None:
        print(f"Database login {login} has the new password too.")
    return True


def cmd_doctor(args: argparse.Namespace, config: Config) -> int:
    from posterm.services.doctor import run_checks

    opened = _open(config, upgrade=False)
    print(f"ok   connected to {opened.kind} {opened.url}")
    failed = 0
    for check in run_checks():
        if check.ok:
            print(f"ok   {check.name}")
            continue
        failed += 1
        print(f"FAIL {check.name}")
        for problem in check.problems:
            print(f"     {problem}")
        if check.more:
            print(f"     ... and {check.more} more")
    print("all checks passed" if not failed else f"{failed} check(s) failed")
    return 0 if not failed else EXIT_FAILURE


MAX_REPORTED = 200


def _progress_bar(label: str) -> Callable[[int, int], None]:
    """A bar on a terminal's stderr; plain lines (every 10%) when stderr is not a terminal."""
    tty = sys.stderr.isatty()
    shown = {"step": -1, "finished": False}

    def show(done: int, total: int) -> None:
        if shown["finished"]:
            return
        shown["finished"] = done >= total
        fraction = done / total if total else 1.0
        if tty:
            filled = int(fraction * 30)
            bar = "#" * filled + "." * (30 - filled)
            end = "\n" if done >= total else ""
            print(f"\r{label} [{bar}] {fraction:4.0%} {done}/{total}", end=end, file=sys.stderr)
            sys.stderr.flush()
        elif int(fraction * 10) > shown["step"]:
            shown["step"] = int(fraction * 10)
            print(f"{label}: {done}/{total} ({fraction:.0%})", file=sys.stderr)

    return show


def cmd_import(args: argparse.Namespace, config: Config) -> int:
    from pathlib import Path

    from posterm.services import csv_files

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise ValidationError("file", f"cannot read {args.file}: {exc.strerror}") from None
    _open(config)
    run = csv_files.import_products if args.csv_what == "products" else csv_files.import_suppliers
    label = "checking" if args.dry_run else "importing"
    report = run(_actor(config), data, dry_run=args.dry_run, progress=_progress_bar(label))
    for error in report.errors[:MAX_REPORTED]:
        print(f"{args.file}: {error}", file=sys.stderr)
    if len(report.errors) > MAX_REPORTED:
        print(f"... and {len(report.errors) - MAX_REPORTED} more problems", file=sys.stderr)
    print(report.summary(), file=sys.stderr if report.errors else sys.stdout)
    return 0 if report.ok else EXIT_FAILURE


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    from posterm.services import csv_files

    _open(config)
    run = csv_files.export_products if args.csv_what == "products" else csv_files.export_suppliers
    try:
        with open(args.file, "w", encoding="utf-8", newline="") as stream:
            count = run(stream, progress=_progress_bar("exporting"))
    except OSError as exc:
        raise ValidationError("file", f"cannot write {args.file}: {exc.strerror}") from None
    print(f"Exported {count} {args.csv_what} to {args.file}.")
    return 0


# --- reports: posterm report list | posterm report NAME --from DATE --to DATE (services/reports.py)


def _report_parser(commands, common: argparse.ArgumentParser) -> None:
    report = commands.add_parser(
        "report", parents=[common], help="print a report ('posterm report list' names them)"
    )
    report.add_argument("name", metavar="NAME", help="a report's name, or 'list'")
    report.add_argument("--from", dest="first", metavar="DATE", default="today")
    report.add_argument("--to", dest="last", metavar="DATE", default=None)
    where = report.add_mutually_exclusive_group()
    where.add_argument("--csv", metavar="FILE", help="write the report as CSV to FILE")
    where.add_argument("--print", action="store_true", help="print it on the receipt printer")


def _report_day(text: str, field: str, today):
    from datetime import timedelta

    text = text.strip().lower()
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    raise ValidationError(field, f"'{text}' is not a date (YYYY-MM-DD, DD-MM-YYYY, today)")


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    from posterm.domain.reports import csv_rows, render_table

    _open(config)
    from posterm.services import reports

    if args.name == "list":
        for name, title in reports.report_names():
            print(f"{name}\t{title}")
        return 0
    today = reports.store_today()
    first = _report_day(args.first, "from", today)
    last = _report_day(args.last, "to", today) if args.last else max(first, today)
    report = reports.run_report(_actor(config), args.name, first, last)
    if args.csv:
        import csv

        try:
            with open(args.csv, "w", encoding="utf-8", newline="") as stream:
                csv.writer(stream).writerows(csv_rows(report))
        except OSError as exc:
            raise ValidationError("csv", f"cannot write {args.csv}: {exc.strerror}") from None
        print(f"Wrote {report.title} ({len(report.rows)} rows) to {args.csv}.")
    elif args.print:
        _print_report(report, config)
    else:
        print(render_table(report), end="")
    return 0


def _print_report(report, config: Config) -> None:
    from posterm.domain.reports import report_document
    from posterm.hardware.printer import PrintOptions, open_printer
    from posterm.services.documents import print_document
    from posterm.services.settings import load_settings

    options = PrintOptions(
        profile=config.printer_profile or None,
        codepage=config.printer_codepage,
        currency_fallback=config.printer_fallback,
        font_path=config.printer_font,
    )
    printer = open_printer(
        config.printer, config.receipt_columns, options=options, timeout=config.printer_timeout
    )
    store = load_settings().store_name
    columns = config.receipt_columns
    if print_document(printer, lambda _symbol: report_document(report, store, columns)) is None:
        raise ConfigError("no printer configured (set printer in posterm.toml)")
    print(f"Printed {report.title}.")


# --- backup and restore (posterm/services/backup.py)


def _backup_parsers(commands, common: argparse.ArgumentParser) -> None:
    backup = commands.add_parser("backup", parents=[common], help="copy the whole store to a file")
    backup.add_argument(
        "file", metavar="FILE", nargs="?", help="default: backups/posterm-DATE-TIME in the data dir"
    )
    backup.add_argument(
        "--portable",
        action="store_true",
        help="JSON-lines export that restores into SQLite or PostgreSQL "
        "(PostgreSQL's default when pg_dump is missing)",
    )
    restore = commands.add_parser(
        "restore", parents=[common], help="load a backup into a new, empty database"
    )
    restore.add_argument("file", metavar="FILE")


def _table_progress(verb: str) -> Callable[[str, int, int, int], None]:
    """One line per table; on a terminal the line is rewritten in place."""
    tty = sys.stderr.isatty()

    def show(table: str, rows: int, done: int, total: int) -> None:
        line = f"{verb} {done:>2}/{total} {table}: {rows} rows"
        if tty:
            print(f"\r{line:<70}", end="\n" if done >= total else "", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr)

    return show


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    from pathlib import Path

    from posterm.services import backup

    _open(config, upgrade=False)
    result = backup.backup(
        Path(args.file).expanduser() if args.file else None,
        actor=_actor(config),
        portable=args.portable,
        progress=_table_progress("backing up"),
        url=config.database_url,
    )
    print(
        f"Backed up {result.rows} rows of {len(result.tables)} tables "
        f"(schema {result.schema}, {result.format}) to {result.path}"
    )
    return 0


def cmd_restore(args: argparse.Namespace, config: Config) -> int:
    from pathlib import Path

    from posterm.services import backup
    from posterm.services.system import open_store

    backup.backup_format(Path(args.file).expanduser())  # a stray file is refused before anything
    open_store(config.database_url)  # an empty database gets its schema first
    result = backup.restore(
        Path(args.file).expanduser(),
        actor=_actor(config),
        progress=_table_progress("restoring"),
        url=config.database_url,
    )
    for table in result.tables:
        print(f"ok   {table.table:<24} {table.rows:>8} rows  checksum {table.checksum[:16]}")
    print(
        f"Restored {result.rows} rows of {len(result.tables)} tables from {result.path}; "
        "every row count and checksum matches the backup."
    )
    return 0


# --- PostgreSQL roles: posterm db grant (posterm/services/db_roles.py, db/postgres/roles.sql)

GRANT_PASSWORD_ENV = "POSTERM_GRANT_PASSWORD"
# posterm.services.db_roles.GROUPS, spelled out so that `--help` loads no database code.
DB_GROUPS = ("app", "owner", "manager", "cashier", "readonly")


def _db_grant_parser(db_commands, common: argparse.ArgumentParser) -> None:
    grant = db_commands.add_parser(
        "grant",
        parents=[common],
        help="create posterm's least-privilege PostgreSQL roles (and a login)",
        description="Creates or refreshes the roles of db/postgres/roles.sql on posterm's "
        "schema. Run it as the owner of posterm's tables, and again after each upgrade. "
        f"A login's password is asked for, or read from ${GRANT_PASSWORD_ENV}; never give "
        "it on the command line.",
    )
    grant.add_argument(
        "--role-prefix",
        metavar="PREFIX",
        default=None,
        help="name the roles PREFIX_app, PREFIX_cashier, ... (default: the config's "
        "database_role_prefix, 'posterm')",
    )
    who = grant.add_mutually_exclusive_group()
    who.add_argument("--login", metavar="NAME", help="create or update a login role")
    who.add_argument(
        "--staff",
        metavar="USERNAME",
        help="create or update the PostgreSQL login of a posterm user (per-staff mode)",
    )
    grant.add_argument(
        "--role", choices=DB_GROUPS, help="the group the --login joins (app, readonly, ...)"
    )


def cmd_db_grant(args: argparse.Namespace, config: Config) -> int:
    from posterm.services import db_roles

    if args.login and not args.role:
        raise ValidationError("role", "say which group the login joins (--role app, ...)")
    if args.role and not args.login:
        raise ValidationError("login", "--role goes with --login NAME")
    prefix = args.role_prefix or config.database_role_prefix
    _open(config, upgrade=False)
    granted = db_roles.apply_roles(prefix)
    print(f"Granted {', '.join(granted.roles)} on schema {granted.schema}.")
    if args.login or args.staff:
        password = os.environ.get(GRANT_PASSWORD_ENV) or _ask(
            None, "Password of the login", secret=True, field="password"
        )
        if args.login:
            name = db_roles.create_login(args.login, args.role, password, prefix)
            print(f"Login {name} is a member of {db_roles.group_role(args.role, prefix)}.")
        else:
            name, group = db_roles.grant_staff(args.staff, password, prefix)
            print(f"Login {name} (posterm user {args.staff}) is a member of {group}.")
    return 0


# --- posterm serve: the till in a browser, through textual-serve (posterm/web.py)


def _serve_parser(commands, common: argparse.ArgumentParser) -> None:
    serve = commands.add_parser(
        "serve", parents=[common], help="serve the till to a web browser (textual-serve)"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1 only)"
    )
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default: 8000)")
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers use, e.g. http://till.lan:8000 (when behind a proxy)",
    )


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    from posterm import web

    server = web.build_server(
        host=args.host,
        port=args.port,
        config_path=getattr(args, "config", None),
        database_url=getattr(args, "database", None),
        public_url=args.public_url,
    )
    print(web.warning(args.host, server.public_url), file=sys.stderr)
    server.serve()
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, Config], int]] = {
    "run": cmd_run,
    "demo": cmd_demo,
    "init": cmd_init,
    "db": cmd_db,
    "settings": cmd_settings,
    "user": cmd_user,
    "doctor": cmd_doctor,
    "import": cmd_import,
    "export": cmd_export,
    "printer": cmd_printer,
    "scanner": cmd_scanner,
    "scale": cmd_scale,
    "display": cmd_display,
    "report": cmd_report,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "serve": cmd_serve,
}
