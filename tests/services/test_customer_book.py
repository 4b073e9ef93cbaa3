"""The customer book on both databases: create and edit, normalised unique phones (a duplicate
names the customer to open), default credit limit, audit, and purchase history."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from posterm.data.models import AuditEvent, Customer
from posterm.domain.customers import CustomerForm, CustomerInvalid, DuplicateCustomer
from posterm.domain.errors import NotFound, PermissionDenied
from posterm.domain.permissions import Role
from posterm.domain.returns import ReturnLineRequest, ReturnRequest
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import checkout, customers, returns
from posterm.services.settings import set_setting
from tests.conftest import actor_for

D = Decimal


def test_create_with_defaults_and_find_by_any_spelling_of_the_phone(owner):
    set_setting(owner, "default_credit_limit", "3000")
    assert customers.new_customer_form().credit_limit == "3000.00"
    made = customers.create_customer(
        owner, CustomerForm(name=" Asha  Devi ", phone="+91 99887-76655", email="asha@example.in")
    )
    assert (made.code, made.name, made.phone, made.credit_limit) == (
        "C0001",
        "Asha Devi",
        "9988776655",
        D(3000),
    )
    assert [c.name for c in customers.find_customers("76655")] == ["Asha Devi"]
    assert [c.name for c in customers.find_customers("+91 99887 76655")] == ["Asha Devi"]
    assert customers.customer_by_card("C0001").id == made.id
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.entity_id) == ("customer.create", "C0001")
    assert [c.name for c in customers.list_customers()] == ["Asha Devi"]


def test_a_duplicate_phone_names_the_customer_and_writes_nothing(owner):
    asha = customers.create_customer(owner, CustomerForm(name="Asha Devi", phone="9988776655"))
    with pytest.raises(DuplicateCustomer) as caught:
        customers.create_customer(owner, CustomerForm(name="Other", phone="099887 76655"))
    assert caught.value.customer_id == asha.id
    assert str(caught.value) == "Phone 99887 76655 already belongs to Asha Devi (C0001)."
    assert Customer.select().count() == 1


def test_bad_fields_are_all_named_and_nothing_is_written(owner):
    with pytest.raises(CustomerInvalid) as caught:
        customers.create_customer(
            owner, CustomerForm(name="", phone="abc", credit_limit="lots", status="vip")
        )
    assert set(caught.value.errors) == {"name", "phone", "credit_limit", "status"}
    assert not Customer.select().exists()


def test_edit_keeps_the_code_audits_changes_and_needs_the_right(owner):
    asha = customers.create_customer(owner, CustomerForm(name="Asha Devi", phone="9988776655"))
    other = customers.create_customer(owner, CustomerForm(name="Ravi", phone="9000000001"))
    form = CustomerForm(
        name="Asha Devi",
        phone="9988776655",
        credit_limit="500",
        status="blocked",
        notes="cheque bounced",
        card_barcode="2900000000017",
    )
    edited = customers.update_customer(owner, asha.id, form)
    assert (edited.code, edited.status, edited.credit_limit) == ("C0001", "blocked", D(500))
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert event.action == "customer.update" and "status" in event.details
    assert customers.customer_by_card("2900000000017").id == asha.id
    with pytest.raises(DuplicateCustomer, match="belongs to Asha Devi"):
        customers.update_customer(owner, other.id, CustomerForm(name="Ravi", phone="9988776655"))
    with pytest.raises(NotFound):
        customers.update_customer(owner, 4242, form)
    staff = actor_for("raju", Role.STAFF, by=owner)
    with pytest.raises(PermissionDenied):
        customers.create_customer(staff, CustomerForm(name="X"))
    assert customers.customer_detail(asha.id).to_form().notes == "cheque bounced"


def test_purchase_history_nets_returns_and_voids(owner, make_product, make_customer):
    oil = make_product("Sunflower Oil 1L", "180.00", stock="50", tax="GST 0%")
    dal = make_product("Toor Dal 1kg", "140.00", stock="50", tax="GST 0%")
    sunita = make_customer("Sunita Rao")

    def sell(*lines):
        return checkout.checkout(
            owner,
            CheckoutRequest(
                uuid4(),
                [SaleLineRequest(p.id, D(q)) for p, q in lines],
                customer_id=sunita.id,
                tenders=[Tender("cash", D(10000))],
            ),
        )

    first = sell((oil, 2), (dal, 1))  # 500
    sell((dal, 3))  # 420
    third = sell((oil, 1))  # 180, voided
    returns.void_sale(owner, third.bill_number, "wrong bill", uuid4())
    line = returns.returnable(first.bill_number).lines[0]
    returns.make_return(
        owner, ReturnRequest(uuid4(), first.bill_number, [ReturnLineRequest(line.line_id, D(1))])
    )  # -180
    summary = customers.purchase_summary(sunita.id)
    assert summary.total_spent == D(740)
    assert summary.visits == 2
    assert [(t.name, t.quantity, t.amount) for t in summary.top_items] == [
        ("Toor Dal 1kg", D(4), D(560)),
        ("Sunflower Oil 1L", D(1), D(180)),
    ]
    history = customers.purchase_history(sunita.id, limit=3)
    assert len(history) == 3 and history[0].kind == "return"
    assert len(customers.purchase_history(sunita.id, limit=3, offset=3)) == 2
