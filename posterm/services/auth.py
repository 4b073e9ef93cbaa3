"""Users and logins: bcrypt secrets, lockout after repeated failures, manager approvals."""

from __future__ import annotations

import math
from datetime import timedelta

import bcrypt

from posterm.data.database import write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import User
from posterm.domain.errors import AccountLocked, Conflict, LoginFailed, NotFound, ValidationError
from posterm.domain.permissions import Actor, Permission, Role, can
from posterm.domain.users import UserInfo, validate_password, validate_pin, validate_username
from posterm.services import audit
from posterm.services.settings import load_settings

# Cost 11 takes ~0.15 s on a desktop and under a second on a Raspberry Pi; tests lower it.
BCRYPT_ROUNDS = 11
_WRONG = "Wrong username, password or PIN."
# Compared against when the username is unknown, so a wrong name takes as long as a wrong
# password and does not tell an attacker which names exist.
_DUMMY_HASH: bytes | None = None


def hash_secret(secret: str) -> str:
    return bcrypt.hashpw(secret.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def _matches(secret: str, hashed: str | None) -> bool:
    global _DUMMY_HASH
    if hashed is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = bcrypt.hashpw(b"posterm", bcrypt.gensalt(BCRYPT_ROUNDS))
        bcrypt.checkpw(secret.encode(), _DUMMY_HASH)
        return False
    return bcrypt.checkpw(secret.encode()[:72], hashed.encode())


def to_info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        active=user.status == "active",
        has_pin=user.pin_hash is not None,
        locked_until=user.locked_until,
        last_login_at=user.last_login_at,
    )


def has_users() -> bool:
    return User.select().exists()


def list_users() -> list[UserInfo]:
    return [to_info(user) for user in User.select().order_by(User.username)]


def _get(username: str) -> User:
    user = User.get_or_none(User.username == username.strip().lower())
    if user is None:
        raise NotFound(f"No user named '{username}'.")
    return user


def create_user(
    actor: Actor,
    username: str,
    role: Role | str,
    password: str,
    pin: str | None = None,
    full_name: str = "",
) -> UserInfo:
    actor.require(Permission.MANAGE_USERS)
    name = validate_username(username)
    role = role if isinstance(role, Role) else Role.parse(role)
    password_hash = hash_secret(validate_password(password))
    pin_hash = hash_secret(validate_pin(pin)) if pin else None
    if len(full_name) > 80:
        raise ValidationError("full_name", "at most 80 characters")
    with write_transaction():
        if User.select().where(User.username == name).exists():
            raise Conflict(f"A user named '{name}' already exists.")
        user = User.create(
            username=name,
            role=role.value,
            full_name=full_name.strip(),
            password_hash=password_hash,
            pin_hash=pin_hash,
        )
        audit.record(
            actor,
            "user.create",
            entity="user",
            entity_id=user.id,
            details={"username": name, "role": role.value, "pin": bool(pin)},
        )
    return to_info(user)


def change_password(actor: Actor, username: str, password: str) -> None:
    _require_self_or_admin(actor, username)
    password_hash = hash_secret(validate_password(password))
    with write_transaction():
        user = _get(username)
        user.password_hash = password_hash
        user.failed_logins, user.locked_until = 0, None
        user.save()
        audit.record(
            actor,
            "user.password",
            entity="user",
            entity_id=user.id,
            details={"username": user.username},
        )


def set_pin(actor: Actor, username: str, pin: str | None) -> None:
    _require_self_or_admin(actor, username)
    pin_hash = hash_secret(validate_pin(pin)) if pin else None
    with write_transaction():
        user = _get(username)
        user.pin_hash = pin_hash
        user.save()
        audit.record(
            actor,
            "user.pin",
            entity="user",
            entity_id=user.id,
            details={"username": user.username, "pin": pin_hash is not None},
        )


def set_active(actor: Actor, username: str, active: bool) -> UserInfo:
    actor.require(Permission.MANAGE_USERS)
    with write_transaction():
        user = _get(username)
        if not active and user.role == Role.OWNER and _active_owners() <= 1:
            raise Conflict("The last active owner cannot be disabled.")
        user.status = "active" if active else "disabled"
        user.failed_logins, user.locked_until = 0, None
        user.save()
        audit.record(
            actor,
            "user.enable" if active else "user.disable",
            entity="user",
            entity_id=user.id,
            details={"username": user.username},
        )
    return to_info(user)


def _active_owners() -> int:
    return User.select().where((User.role == Role.OWNER) & (User.status == "active")).count()


def _require_self_or_admin(actor: Actor, username: str) -> None:
    if actor.username != username.strip().lower():
        actor.require(Permission.MANAGE_USERS)


def password_matches(username: str, password: str) -> bool:
    """Whether `password` is the user's password; counts no failure and writes nothing."""
    user = User.get_or_none(User.username == username.strip().lower())
    return _matches(password, user.password_hash if user is not None else None)


def authenticate(username: str, secret: str, *, pin: bool = False, terminal: str = "") -> UserInfo:
    """Checks a password (or PIN); counts failures and locks the account after too many.

    Raises LoginFailed (never saying whether the name exists) or AccountLocked.
    """
    name = username.strip().lower()[:32]
    settings = load_settings()
    now = utc_now()
    user = User.get_or_none(User.username == name)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        minutes = math.ceil((user.locked_until - now).total_seconds() / 60)
        raise AccountLocked(name, user.locked_until, minutes)
    hashed = None if user is None else (user.pin_hash if pin else user.password_hash)
    secret_ok = _matches(secret, hashed)
    ok = secret_ok and user is not None and user.status == "active"
    method = "pin" if pin else "password"
    with write_transaction():
        if ok:
            User.update(failed_logins=0, locked_until=None, last_login_at=now).where(
                User.id == user.id
            ).execute()
            audit.record(
                None,
                "login.success",
                entity="user",
                entity_id=user.id,
                username=name,
                terminal=terminal,
                details={"method": method},
            )
            user = User.get_by_id(user.id)
            return to_info(user)
        locked_until = None
        if user is not None:
            failures = user.failed_logins + 1
            if failures >= settings.login_max_failures:
                locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                failures = 0
            User.update(failed_logins=failures, locked_until=locked_until).where(
                User.id == user.id
            ).execute()
        audit.record(
            None,
            "login.failure",
            entity="user",
            entity_id=user.id if user else "",
            username=name,
            terminal=terminal,
            details={"method": method},
        )
        if locked_until is not None:
            audit.record(
                None,
                "login.lockout",
                entity="user",
                entity_id=user.id,
                username=name,
                terminal=terminal,
                details={"minutes": settings.login_lockout_minutes},
            )
    if secret_ok and user is not None and user.status != "active":
        raise LoginFailed(f"Account '{name}' is disabled; ask the owner.")
    if locked_until is not None:
        raise AccountLocked(name, locked_until, settings.login_lockout_minutes)
    if pin and user is not None and user.pin_hash is None:
        raise LoginFailed(f"'{name}' has no PIN; log in with the password.")
    raise LoginFailed(_WRONG)


def approve(
    requester: Actor,
    manager_username: str,
    secret: str,
    permission: Permission,
    reason: str,
    *,
    pin: bool = True,
) -> Actor:
    """A manager lends one restricted action: returns the requester carrying the approval."""
    if not reason.strip():
        raise ValidationError("reason", "say why the override is needed")
    manager = authenticate(manager_username, secret, pin=pin, terminal=requester.terminal)
    if not can(manager.role, permission):
        raise LoginFailed(f"'{manager.username}' may not approve: {permission.value}.")
    approved = requester.with_approval(manager.id, manager.username)
    with write_transaction():
        audit.record(
            approved,
            "override.approve",
            reason=reason.strip(),
            details={"permission": permission.name, "approver": manager.username},
        )
    return approved
