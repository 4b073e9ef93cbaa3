"""The udhaar ledger's rules: ageing (payments pay the oldest debt first), statements,
payment slips, customer cards and the reminder a shopkeeper sends.

Pure: the credit service reads the ledger and hands its entries here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from posterm.domain.money import format_money
from posterm.domain.phones import format_phone
from posterm.domain.receipt import Barcode, Cut, ReceiptDocument, _Builder

# (first day, last day or None) of each ageing bucket, in days since the debt was made.
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)

KIND_LABELS = {
    "sale": "Credit sale",
    "payment": "Payment",
    "return": "Return",
    "void": "Void",
    "adjustment": "Adjustment",
    "write_off": "Write-off",
    "opening": "Opening balance",
}


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One line of a customer's credit ledger; `amount` > 0 raises what they owe."""

    id: int
    at: datetime  # local time of the store
    kind: str
    amount: Decimal
    balance_after: Decimal
    reference: str  # bill number, payment method ...
    note: str
    user: str

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.replace("_", " ").title())


@dataclass(frozen=True, slots=True)
class OpenDebt:
    """What is still unpaid of one debt (a credit sale, an upward adjustment)."""

    day: date
    amount: Decimal  # the debt as made
    unpaid: Decimal


def open_debts(entries: Sequence[tuple[date, Decimal]]) -> tuple[list[OpenDebt], Decimal]:
    """Applies every credit (payment, return, write-off) to the oldest debt first.

    `entries` are (day, amount) in ledger order. Returns the debts still (partly) unpaid,
    oldest first, and the advance left over (credits beyond every debt so far), which pays
    the next debts as they come.
    """
    debts: list[list] = []  # [day, amount, unpaid]
    first_open = 0
    advance = Decimal(0)
    for day, amount in entries:
        if amount > 0:
            used = min(advance, amount)
            advance -= used
            debts.append([day, amount, amount - used])
        elif amount < 0:
            credit = -amount
            while credit and first_open < len(debts):
                debt = debts[first_open]
                paid = min(debt[2], credit)
                debt[2] -= paid
                credit -= paid
                if debt[2] == 0:
                    first_open += 1
            advance += credit
        while first_open < len(debts) and debts[first_open][2] == 0:
            first_open += 1
    return [OpenDebt(d, a, u) for d, a, u in debts[first_open:] if u > 0], advance


@dataclass(frozen=True)
class Ageing:
    """What is owed by how old it is; the buckets add up to `total` (0 with an advance)."""

    buckets: tuple[Decimal, Decimal, Decimal, Decimal]
    advance: Decimal
    oldest: date | None  # the day of the oldest unpaid debt

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, Decimal(0))


def age(entries: Sequence[tuple[date, Decimal]], today: date) -> Ageing:
    debts, advance = open_debts(entries)
    buckets = [Decimal(0)] * len(BUCKETS)
    for debt in debts:
        days = max((today - debt.day).days, 0)
        for index, (_label, first, last) in enumerate(BUCKETS):
            if days >= first and (last is None or days <= last):
                buckets[index] += debt.unpaid
                break
    return Ageing(tuple(buckets), advance, debts[0].day if debts else None)  # type: ignore[arg-type]


# --- the reminder ------------------------------------------------------------------------------


def reminder_text(
    name: str,
    balance: Decimal,
    since: date | None,
    shop_name: str,
    shop_phone: str,
    symbol: str = "",
) -> str:
    """A polite message for the customer, ready to paste into SMS or WhatsApp."""
    if balance <= 0:
        return f"Namaste {name}, thank you! Your account at {shop_name} is fully paid" + (
            f" (advance {format_money(-balance, symbol)})." if balance < 0 else "."
        )
    since_text = f" since {since:%d %b %Y}" if since is not None else ""
    contact = f" Call us on {shop_phone}." if shop_phone else ""
    return (
        f"Namaste {name}, this is a reminder from {shop_name}: "
        f"{format_money(balance, symbol)} is due on your account{since_text}. "
        f"Please pay at the shop or by UPI at your convenience.{contact} Thank you!"
    )


# --- documents for the printer and the screen ---------------------------------------------------


@dataclass(frozen=True)
class StoreHeading:
    name: str
    address: str
    phone: str


@dataclass(frozen=True)
class Statement:
    customer_name: str
    customer_code: str
    customer_phone: str
    first_day: date
    last_day: date
    opening: Decimal
    entries: tuple[LedgerEntry, ...]
    closing: Decimal
    ageing: Ageing

    @property
    def debits(self) -> Decimal:
        return sum((e.amount for e in self.entries if e.amount > 0), Decimal(0))

    @property
    def credits(self) -> Decimal:
        return -sum((e.amount for e in self.entries if e.amount < 0), Decimal(0))


def _heading(b: _Builder, store: StoreHeading) -> None:
    b.text(store.name, "center", bold=True, double=True)
    for part in store.address.splitlines():
        if part.strip():
            b.text(part.strip(), "center")
    if store.phone:
        b.text(f"Ph: {store.phone}", "center")
    b.rule("=")


def statement_document(
    statement: Statement, store: StoreHeading, columns: int, symbol: str = ""
) -> ReceiptDocument:
    b = _Builder(columns)
    _heading(b, store)
    b.text("STATEMENT OF ACCOUNT", "center", bold=True)
    b.text(f"{statement.customer_name} ({statement.customer_code})")
    if statement.customer_phone:
        b.text(f"Ph: {format_phone(statement.customer_phone)}")
    b.text(f"{statement.first_day:%d-%m-%Y} to {statement.last_day:%d-%m-%Y}")
    b.rule()
    b.pair("Opening balance", format_money(statement.opening, symbol), bold=True)
    for entry in statement.entries:
        b.pair(f"{entry.at:%d-%m-%y} {entry.label}", format_money(entry.amount))
        if entry.reference:
            b.text(entry.reference, indent=2)
        b.pair("  Balance", format_money(entry.balance_after))
    b.rule()
    b.pair("Credit sales etc.", format_money(statement.debits))
    b.pair("Payments etc.", format_money(-statement.credits))
    b.big_pair("CLOSING", format_money(statement.closing, symbol))
    b.rule()
    if statement.closing > 0:
        for (label, _f, _l), amount in zip(BUCKETS, statement.ageing.buckets, strict=True):
            b.pair(f"{label} days", format_money(amount))
    b.line()
    b.elements.append(Cut())
    return ReceiptDocument(columns, tuple(b.elements))


def statement_rows(statement: Statement) -> list[list[str]]:
    """The statement as CSV rows (a header row first), amounts as plain numbers."""
    rows = [["date", "kind", "reference", "note", "debit", "credit", "balance"]]
    rows.append(
        [f"{statement.first_day:%Y-%m-%d}", "opening", "", "", "", "", _plain(statement.opening)]
    )
    for e in statement.entries:
        rows.append(
            [
                f"{e.at:%Y-%m-%d %H:%M}",
                e.kind,
                e.reference,
                e.note,
                _plain(e.amount) if e.amount > 0 else "",
                _plain(-e.amount) if e.amount < 0 else "",
                _plain(e.balance_after),
            ]
        )
    rows.append(
        [f"{statement.last_day:%Y-%m-%d}", "closing", "", "", "", "", _plain(statement.closing)]
    )
    return rows


def _plain(value: Decimal) -> str:
    return f"{value:.2f}"


@dataclass(frozen=True)
class PaymentSlip:
    number: str  # PAY-<id>
    at: datetime  # local
    customer_name: str
    customer_code: str
    method: str
    amount: Decimal
    reference: str
    balance_before: Decimal
    balance_after: Decimal
    cashier: str
    kind: str = "payment"  # payment, adjustment, write_off


def payment_document(
    slip: PaymentSlip, store: StoreHeading, columns: int, symbol: str = ""
) -> ReceiptDocument:
    b = _Builder(columns)
    _heading(b, store)
    title = {"payment": "PAYMENT RECEIVED", "write_off": "WRITE-OFF", "adjustment": "ADJUSTMENT"}
    b.text(title.get(slip.kind, slip.kind.upper()), "center", bold=True)
    b.pair_or_lines(f"No: {slip.number}", f"{slip.at:%d-%m-%Y %H:%M}")
    b.text(f"Customer: {slip.customer_name} ({slip.customer_code})")
    b.text(f"Cashier: {slip.cashier}")
    b.rule()
    b.pair("Balance before", format_money(slip.balance_before, symbol))
    method = slip.method.upper() if len(slip.method) <= 4 else slip.method.title()
    label = f"Paid ({method})" if slip.kind == "payment" else KIND_LABELS.get(slip.kind, "")
    if slip.reference:
        label = f"{label} {slip.reference}"
    b.pair(label, format_money(slip.amount, symbol))
    b.rule()
    due = "BALANCE DUE" if slip.balance_after >= 0 else "ADVANCE HELD"
    b.big_pair(due, format_money(abs(slip.balance_after), symbol))
    b.line()
    b.text("Thank you!", "center")
    b.line()
    b.elements.append(Barcode(slip.number))
    b.elements.append(Cut())
    return ReceiptDocument(columns, tuple(b.elements))


def card_document(
    name: str, code: str, barcode: str, store: StoreHeading, columns: int
) -> ReceiptDocument:
    """A customer card: the shop, the customer's name and the barcode the till scans."""
    b = _Builder(columns)
    _heading(b, store)
    b.text("CUSTOMER CARD", "center", bold=True)
    b.text(name, "center", bold=True, double=True)
    b.text(code, "center")
    b.line()
    b.elements.append(Barcode(barcode))
    b.line()
    b.text("Show this card at the till", "center")
    b.elements.append(Cut())
    return ReceiptDocument(columns, tuple(b.elements))
