"""Store-wide settings: defaults, validation naming the key, owner-only changes, audit."""

from __future__ import annotations

import pytest

from posterm.data.models import AuditEvent, Setting
from posterm.domain.errors import PermissionDenied, ValidationError
from posterm.domain.permissions import Role
from posterm.services import settings
from tests.conftest import actor_for


def test_defaults_cover_every_required_setting(owner):
    values = dict((key, value) for key, value, _ in settings.list_settings())
    assert values["store_name"] == "Test Store"
    assert values["prices_include_tax"] == "true"
    assert values["bill_number_format"] == "BILL-YYYY-NNNNNN"
    for key in (
        "store_address",
        "store_phone",
        "store_tax_id",
        "currency_code",
        "currency_symbol",
        "default_tax_rate",
        "receipt_header",
        "receipt_footer",
        "default_credit_limit",
        "allow_negative_stock",
        "cash_rounding",
        "timezone",
    ):
        assert key in values


@pytest.mark.parametrize(
    ("key", "text", "stored"),
    [
        ("prices_include_tax", "no", "false"),
        ("cash_rounding", "0.5", "0.50"),
        ("default_credit_limit", "1,500", "1500.00"),
        ("currency_code", "usd", "USD"),
        ("receipt_footer", "Thanks\\nCome again", "Thanks\nCome again"),
        ("timezone", "Asia/Dhaka", "Asia/Dhaka"),
    ],
)
def test_values_are_parsed_and_stored_canonically(owner, key, text, stored):
    assert settings.set_setting(owner, key, text) == stored
    assert settings.get_setting(key) == stored


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("cash_rounding", "0.3", "cash_rounding: must be one of"),
        ("prices_include_tax", "maybe", "prices_include_tax: must be true or false"),
        ("bill_number_format", "BILL-YYYY", "bill_number_format: needs exactly one run of N"),
        ("default_credit_limit", "-5", "default_credit_limit: must not be negative"),
        ("timezone", "Mars/Base", "unknown timezone"),
        ("store_name", "  ", "store_name: must not be empty"),
        ("no_such_key", "1", "no_such_key: no such setting"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(owner, key, text, message):
    before = Setting.select().count(), AuditEvent.select().count()
    with pytest.raises(ValidationError, match=message):
        settings.set_setting(owner, key, text)
    assert (Setting.select().count(), AuditEvent.select().count()) == before


def test_only_the_owner_changes_settings_and_changes_are_audited(owner):
    manager = actor_for("mina", Role.MANAGER, by=owner)
    with pytest.raises(PermissionDenied):
        settings.set_setting(manager, "store_name", "Other")
    settings.set_setting(owner, "store_name", "Sharma Stores")
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.entity_id) == ("setting.set", "store_name")
    assert '"new": "Sharma Stores"' in event.details
