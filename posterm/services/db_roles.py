"""PostgreSQL roles for database-level security: `posterm db grant` (db/postgres/roles.sql).

The roles are cluster-wide; their privileges are on posterm's schema (the connection's
search_path). Passwords reach the server only as SCRAM-SHA-256 verifiers computed here, so
neither the server's statement log nor pg_stat_activity ever holds one in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg2

from posterm import paths
from posterm.data.database import is_postgres
from posterm.data.models import User, database
from posterm.domain.errors import ConfigError, NotFound, ValidationError
from posterm.domain.permissions import Role

GROUPS = ("app", "owner", "manager", "cashier", "readonly")
DEFAULT_PREFIX = "posterm"
# The database role each posterm role logs in as in per-staff mode. A "staff" user stocks
# shelves, but the database cannot tell that apart from the counter's work: cashier rights.
STAFF_GROUP = {
    Role.OWNER: "owner",
    Role.MANAGER: "manager",
    Role.CASHIER: "cashier",
    Role.STAFF: "cashier",
}
_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,39}")
_LOGIN = re.compile(r"[a-z_][a-z0-9_.\-]{0,62}")
_SCRAM_ITERATIONS = 4096  # PostgreSQL's own default (scram_iterations)


@dataclass(frozen=True)
class Granted:
    schema: str
    roles: tuple[str, ...]


def roles_sql() -> str:
    return (paths.shipped_dir("db") / "postgres" / "roles.sql").read_text(encoding="utf-8")


def check_prefix(prefix: str) -> str:
    if not _PREFIX.fullmatch(prefix):
        raise ValidationError(
            "role_prefix", "a lower-case letter, then up to 39 letters, digits or '_'"
        )
    return prefix


def group_role(group: str, prefix: str = DEFAULT_PREFIX) -> str:
    if group not in GROUPS:
        raise ValidationError("role", f"'{group}' is not one of {', '.join(GROUPS)}")
    return f"{check_prefix(prefix)}_{group}"


def staff_login_name(username: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The PostgreSQL login of posterm user `username` in per-staff mode."""
    return f"{check_prefix(prefix)}_user_{username.strip().lower()}"


def _require_postgres() -> None:
    if not is_postgres():
        raise ConfigError("database roles exist only on PostgreSQL (this store is on SQLite)")


def _run(sql: str, params: tuple = ()) -> list[tuple]:
    # The raw cursor: with no parameters psycopg2 leaves the text alone (roles.sql uses
    # format('%I'), which a parameter pass would take for a placeholder).
    cursor = database.connection().cursor()
    cursor.execute(sql, params or None)
    return cursor.fetchall() if cursor.description else []


def apply_roles(prefix: str = DEFAULT_PREFIX) -> Granted:
    """Creates the group roles if missing and grants their rights on posterm's schema, anew."""
    _require_postgres()
    check_prefix(prefix)
    with _server_errors("cannot grant the roles"), database.atomic():
        _run("SELECT set_config('posterm.role_prefix', %s, true)", (prefix,))
        _run(roles_sql())
        [(schema,)] = _run("SELECT current_schema()")
    return Granted(schema, tuple(group_role(group, prefix) for group in GROUPS))


@contextmanager
def _server_errors(what: str) -> Iterator[None]:
    try:
        yield
    except psycopg2.Error as exc:  # the raw cursor's errors are psycopg2's own
        raise ConfigError(f"{what}: {_reason(exc)}") from None


def _reason(exc: psycopg2.Error) -> str:
    """The server's one-line message, and what to do when it is about privileges."""
    text = str(exc).splitlines()[0].strip() if str(exc) else type(exc).__name__
    if exc.pgcode == "42501" or "must be owner" in text:  # insufficient_privilege
        text += (
            " (run it as the owner of posterm's tables, or a superuser; "
            "creating the roles needs CREATEROLE)"
        )
    return text


# SASLprep (RFC 4013), as libpq and the server apply it to a password before SCRAM: spaces
# other than ASCII's become one, invisible joiners go, then NFKC.
_MAPPED_TO_NOTHING = dict.fromkeys(
    [
        0xAD,
        0x34F,
        0x1806,
        0x180B,
        0x180C,
        0x180D,
        0x200B,
        0x200C,
        0x200D,
        0x2060,
        0xFEFF,
        *range(0xFE00, 0xFE10),
    ]
)
_SPACES = dict.fromkeys([0xA0, 0x1680, *range(0x2000, 0x200C), 0x202F, 0x205F, 0x3000], " ")


def _saslprep(password: str) -> str:
    return unicodedata.normalize("NFKC", password.translate(_MAPPED_TO_NOTHING).translate(_SPACES))


def scram_verifier(password: str, salt: bytes | None = None) -> str:
    """What PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802, 7677)."""
    salt = salt if salt is not None else os.urandom(16)
    prepared = _saslprep(password).encode()
    salted = hashlib.pbkdf2_hmac("sha256", prepared, salt, _SCRAM_ITERATIONS)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${_SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def create_login(name: str, group: str, password: str, prefix: str = DEFAULT_PREFIX) -> str:
    """Creates (or updates) login `name` as a member of one posterm group role, and only one.

    Refuses a superuser or any role that may create roles or databases: `--login postgres`
    must never reset the server's own password.
    """
    _require_postgres()
    name = name.strip()
    if not _LOGIN.fullmatch(name):
        raise ValidationError(
            "login", "a lower-case letter or '_', then letters, digits, '_', '.' or '-'"
        )
    if not password:
        raise ValidationError("password", "must not be empty")
    target = group_role(group, prefix)
    groups = [group_role(g, prefix) for g in GROUPS]
    if name in groups:
        raise ValidationError("login", f"'{name}' is a group role; choose another login name")
    with _server_errors(f"cannot make login {name}"), database.atomic():
        existing = _run(
            "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls "
            "FROM pg_roles WHERE rolname = %s",
            (name,),
        )
        if existing and existing[0][0]:
            raise ValidationError("login", f"'{name}' is a privileged role; posterm leaves it be")
        if not _run("SELECT 1 FROM pg_roles WHERE rolname = %s", (target,)):
            raise NotFound(f"No role {target}: run `posterm db grant` first.")
        verb = "ALTER" if existing else "CREATE"
        quoted = _quote(name)
        _run(
            f"{verb} ROLE {quoted} LOGIN INHERIT NOSUPERUSER PASSWORD %s",
            (scram_verifier(password),),
        )
        for other in groups:
            if other != target:
                _run(f"REVOKE {_quote(other)} FROM {quoted}")
        _run(f"GRANT {_quote(target)} TO {quoted}")
        [(schema, db_name)] = _run("SELECT current_schema(), current_database()")
        if schema != "public":  # psql and reporting tools then find the tables by themselves
            _run(
                f"ALTER ROLE {quoted} IN DATABASE {_quote(db_name)} "
                f"SET search_path = {_quote(schema)}"
            )
    return name


def grant_staff(username: str, password: str, prefix: str = DEFAULT_PREFIX) -> tuple[str, str]:
    """Creates or updates the per-staff login of posterm user `username`.

    The password must be the user's posterm password: the login screen sends the one typed
    password to both. Returns (login name, group role).
    """
    from posterm.services.auth import password_matches

    _require_postgres()
    user = User.get_or_none(User.username == username.strip().lower())
    if user is None:
        raise NotFound(f"No user named '{username}'.")
    if not password_matches(user.username, password):
        raise ValidationError(
            "password", f"that is not {user.username}'s posterm password (it must be the same)"
        )
    group = STAFF_GROUP[Role(user.role)]
    login = create_login(staff_login_name(user.username, prefix), group, password, prefix)
    if user.status != "active":  # a disabled user must not reach the data through psql either
        _run(f"ALTER ROLE {_quote(login)} NOLOGIN")
    return login, group_role(group, prefix)


def update_staff_password(username: str, password: str, prefix: str = DEFAULT_PREFIX) -> str | None:
    """Gives posterm user `username`'s per-staff login, if there is one, `password` (the login
    screen sends the one typed password to both). Returns the login, or None when the store
    is on SQLite or the user has no login."""
    if not is_postgres():
        return None
    login = staff_login_name(username, prefix)
    with _server_errors(f"cannot change the password of login {login}"), database.atomic():
        if not _run("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)):
            return None
        _run(f"ALTER ROLE {_quote(login)} PASSWORD %s", (scram_verifier(password),))
    return login


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
