"""Store-wide settings kept in the database: read them all at once, change one at a time."""

from __future__ import annotations

from typing import Any

from posterm.data.database import write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import Setting
from posterm.data.statements import fetch, query_sql
from posterm.domain.errors import ValidationError
from posterm.domain.permissions import Actor, Permission
from posterm.domain.store_settings import SPECS, StoreSettings, spec_for
from posterm.services import audit


def stored_texts() -> dict[str, str]:
    return {row.key: row.value for row in Setting.select(Setting.key, Setting.value)}


def load_settings() -> StoreSettings:
    return StoreSettings.from_texts(stored_texts())


def load_setting(key: str) -> Any:
    """One store setting, parsed, reading only its row: what load_settings() gives for it
    (the default when unset or no longer valid), without parsing every other setting."""
    spec = spec_for(key)
    sql = query_sql(
        ("setting",), lambda: Setting.select(Setting.value).where(Setting.key == key), [key]
    )
    found = fetch(sql, [key], [Setting.value])
    text = found[0][0] if found else None
    try:
        return spec.parse(spec.default if text is None else text)
    except ValidationError:
        return spec.parse(spec.default)


def get_setting(key: str) -> str:
    spec = spec_for(key)
    return spec.to_text(getattr(load_settings(), spec.key))


def list_settings() -> list[tuple[str, str, str]]:
    """(key, value as text, label) for every setting, defaults included."""
    settings = load_settings()
    return [(spec.key, spec.to_text(settings.values[spec.key]), spec.label) for spec in SPECS]


def set_setting(actor: Actor, key: str, text: str) -> str:
    """Validates and stores one setting; returns the value as stored."""
    actor.require(Permission.MANAGE_SETTINGS)
    spec = spec_for(key)
    value = spec.to_text(spec.parse(text))
    with write_transaction():
        old = Setting.get_or_none(Setting.key == key)
        if old is None:
            Setting.create(key=key, value=value, updated_by=actor.user_id)
        else:
            Setting.update(value=value, updated_by=actor.user_id, updated_at=utc_now()).where(
                Setting.id == old.id
            ).execute()
        audit.record(
            actor,
            "setting.set",
            entity="setting",
            entity_id=key,
            details={"old": old.value if old else None, "new": value},
        )
    return value
