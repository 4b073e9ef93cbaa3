"""Per-staff database logins (config `database_login = "per_staff"`).

The password typed on the login screen opens PostgreSQL as the user's own role (made by
`posterm db grant --staff USERNAME`), so the database enforces that role's rights and its
logs name the real person; posterm then checks the same password as usual (lockout, disabled
accounts, the audit log). A PIN cannot open a database connection: it only unlocks a till
whose connection already belongs to that user.
"""

from __future__ import annotations

from urllib.parse import quote, urlparse

from posterm.data.database import is_postgres
from posterm.domain.errors import ConfigError, DatabaseUnavailable, LoginFailed
from posterm.domain.users import UserInfo
from posterm.services import auth, system
from posterm.services.db_roles import DEFAULT_PREFIX, staff_login_name

_WRONG = "Wrong username or password."


def login_url(url: str, user: str, password: str) -> str:
    """`url` with its user and password replaced (host, database and options kept)."""
    parsed = urlparse(url)
    host = parsed.hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    port = f":{parsed.port}" if parsed.port else ""
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}@"
    return parsed._replace(netloc=f"{credentials}{host}{port}").geturl()


def connected_as() -> str | None:
    """The PostgreSQL user the store's connections log in as (None on SQLite)."""
    db = system.current_database()
    if db is None or not is_postgres(db):
        return None
    return db.connect_params.get("user")


def log_in(
    base_url: str,
    username: str,
    secret: str,
    *,
    pin: bool = False,
    terminal: str = "",
    prefix: str = DEFAULT_PREFIX,
) -> UserInfo:
    """Opens the store as `username`'s own PostgreSQL role, then authenticates as usual."""
    if not urlparse(base_url).scheme.startswith("postgres"):
        raise ConfigError("database_login = per_staff needs a PostgreSQL database_url")
    name = username.strip().lower()[:32]
    login = staff_login_name(name, prefix)
    if connected_as() != login:
        if pin:
            raise LoginFailed("Log in with your password: a PIN cannot open the database.")
        before = system.current_database()
        try:
            system.open_store(login_url(base_url, login, secret), upgrade_schema=False)
        except DatabaseUnavailable as error:
            text = str(error)
            if "authentication failed" in text or ('role "' in text and "does not exist" in text):
                raise LoginFailed(_WRONG) from None
            if "not permitted to log in" in text:
                raise LoginFailed(f"Account '{name}' is disabled; ask the owner.") from None
            raise
        if before is not None and before is not system.current_database():
            close_idle = getattr(before, "close_idle", None)
            if close_idle is not None:
                close_idle()  # the previous user's pooled connections are of no more use
    with system.connection():
        return auth.authenticate(name, secret, pin=pin, terminal=terminal)
