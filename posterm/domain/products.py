"""Products and customers as the till sees them: plain values, never database rows.

Also the rules of product search shared by whoever writes products and whoever searches them:
`search_key` is what goes in `product.search_name`, and `search_words` splits text into the
words a search can start with (the database splits names the same way, see migration 0002).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Besides spaces, these split a name into words: "Toor Dal (Loose)" has the word "loose" and
# "Coca-Cola" the word "cola". Migration 0002 splits stored names with the same characters.
WORD_SEPARATORS = "()[],/-+&'\""
# Typed text only: LIKE wildcards and the escape character never reach a pattern as words.
_TYPED_SEPARATORS = WORD_SEPARATORS + "%_\\"
_SPLIT = str.maketrans({ch: " " for ch in WORD_SEPARATORS})
_SPLIT_TYPED = str.maketrans({ch: " " for ch in _TYPED_SEPARATORS})


@dataclass(frozen=True, slots=True)
class ProductInfo:
    id: int
    code: str
    name: str
    barcode: str  # "" when the product has none
    unit: str
    sold_by_weight: bool
    price: Decimal
    tax_rate: Decimal  # percent: the product's rate, or the store's default when it has none
    hsn_code: str
    stock: Decimal
    status: str
    category: str  # "" when the product has none


@dataclass(frozen=True, slots=True)
class ScanResult:
    """A scanned code resolved to a product, with what an in-store label carried.

    - A plain barcode: `quantity` and `price` are None (the till's own quantity applies).
    - A weight label: `quantity` is the weight on the label (in kg), `price` None.
    - A price label: `price` is the label's amount for the whole labelled pack and `quantity`
      is 1, so the line is "1 x <label price>" and its total is exactly the label's.
    `code` is the code as scanned (spaces removed).
    """

    product: ProductInfo
    quantity: Decimal | None
    price: Decimal | None
    code: str


@dataclass(frozen=True, slots=True)
class CustomerInfo:
    id: int
    code: str
    name: str
    phone: str  # "" when unknown
    status: str
    balance: Decimal  # what they owe; negative is an advance
    credit_limit: Decimal
    loyalty_points: Decimal = Decimal(0)


def search_key(name: str, code: str) -> str:
    """The `search_name` of a product: its name and code, lower-cased, single-spaced."""
    return " ".join(f"{name} {code}".lower().split())


def search_text(text: str) -> str:
    """Typed search text as `search_name` is stored: lower-cased, single-spaced."""
    return " ".join(text.lower().split())


def search_words(text: str, *, typed: bool = False) -> list[str]:
    """The words of `text` a search can match the start of, lower-cased, in order.

    `typed` also splits at LIKE wildcards, so typed words are safe in a LIKE pattern.
    """
    table = _SPLIT_TYPED if typed else _SPLIT
    return text.lower().translate(table).split()


def next_prefix(prefix: str) -> str:
    """The least string greater than every string starting with `prefix` (code point order).

    `prefix <= s < next_prefix(prefix)` is "s starts with prefix" as a range an index can use,
    on SQLite (binary collation) and on PostgreSQL columns with the "C" collation alike.
    """
    if not prefix:
        raise ValueError("an empty prefix has no upper bound")
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return prefix + "\U0010ffff"  # cannot happen in practice; still an upper bound
    following = last + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be encoded: skip over them
        following = 0xE000
    return prefix[:-1] + chr(following)
