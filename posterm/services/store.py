"""Setting up a new store: its name, its owner, and the tax rates and category it starts with."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from posterm.data.database import write_transaction
from posterm.data.models import Category, Setting, TaxRate, User
from posterm.domain.errors import Conflict
from posterm.domain.permissions import Actor, Role
from posterm.domain.store_settings import spec_for
from posterm.domain.users import validate_password, validate_pin, validate_username
from posterm.services import audit, auth
from posterm.services.settings import load_settings, stored_texts

# A hidden setting row marking the demo shop, whose login screen shows its credentials.
DEMO_FLAG = "demo_shop"
GST_RATES = (Decimal(0), Decimal(5), Decimal(12), Decimal(18), Decimal(28))


def is_initialised() -> bool:
    return auth.has_users()


def init_store(
    actor: Actor, store_name: str, owner: str, password: str, pin: str | None = None
) -> None:
    """Creates the owner and the starting data of an empty store database, all or nothing."""
    name = spec_for("store_name").parse(store_name)
    username = validate_username(owner)
    password_hash = auth.hash_secret(validate_password(password))
    pin_hash = auth.hash_secret(validate_pin(pin)) if pin else None
    with write_transaction():
        if User.select().exists():
            raise Conflict("This database already has a store; log in instead.")
        Setting.insert(key="store_name", value=name).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: name}
        ).execute()
        user = User.create(
            username=username,
            role=Role.OWNER.value,
            password_hash=password_hash,
            pin_hash=pin_hash,
            full_name="",
        )
        for rate in GST_RATES:
            TaxRate.get_or_create(name=f"GST {rate}%", defaults={"rate": rate})
        Category.get_or_create(name="General")
        audit.record(actor, "store.init", details={"store_name": name, "owner": username})
        audit.record(
            actor,
            "user.create",
            entity="user",
            entity_id=user.id,
            details={"username": username, "role": Role.OWNER.value, "pin": bool(pin)},
        )


@dataclass(frozen=True)
class StoreFacts:
    """What the till shows before anyone logs in."""

    initialised: bool
    store_name: str
    demo: bool


def store_facts() -> StoreFacts:
    texts = stored_texts()
    return StoreFacts(
        initialised=is_initialised(),
        store_name=load_settings().store_name if texts else "posterm",
        demo=texts.get(DEMO_FLAG) == "true",
    )
