"""Column names for :mod:`csp_rules.batch`: the canonical schema and Partner Center's reconciliation layouts.

Private; :mod:`csp_rules.batch` documents the mapping for users (``docs/howto_batch.rst`` too).

A table names its columns either with the **canonical** snake_case names or with the names of
Partner Center's one-time purchase **reconciliation** files (the November 2019 layout writes
``Customer Country``, ``Order ID``...; the November 2020 layout ``CustomerCountry``, ``OrderId``...).
Names are compared after dropping case and every character other than a letter or a digit, so
``Order ID``, ``OrderId`` and ``order_id`` are one name.

=====================  ==============================================  ======================================
canonical              reconciliation names (first found wins)         read as
=====================  ==============================================  ======================================
``market``             CustomerCountry, Customer Country               market code or name (R3)
``order_id``           OrderId, Order ID                               text, required
``product_name``       ProductName, Product name                       text, required (R7.3 exclusions)
``sku_name``           SkuName, SKU Name                               text, optional (matched after the name)
``kind``               (none: derived, see below)                      ``ProductKind`` value
``purchased_at``       OrderDate, Order date                           instant (R7 window start)
``price``              Subtotal, Sub Total, Total, TotalForCustomer    decimal amount (R8.4 credit base)
``currency``           Currency                                        ISO 4217 code
``term_start``         ChargeStartDate                                 first day of the term
``term_end``           ChargeEndDate                                   day after the term (see below)
``term_started_at``    (none)                                          instant the current term began (R11.2)
=====================  ==============================================  ======================================

Only the reconciliation layouts carry these, used to derive ``kind``: ``ReservationOrderId`` and
``TermAndBillingCycle`` (``Term and Billingcycle`` in 2019).

Reading rules that differ between the two namings:

* ``purchased_at`` without a UTC offset is refused (:class:`~csp_rules.errors.NaiveDatetimeError`,
  as :class:`~csp_rules.facts.Purchase` refuses it), except a bare date (00:00 UTC). Partner
  Center writes its dates in UTC without an offset, so ``OrderDate`` without one is read as UTC.
* ``term_end`` is the first day **after** the term (half-open). ``ChargeEndDate`` is 23:59 of the
  term's last day, so the term read from it is ``[ChargeStartDate's date, ChargeEndDate's date + 1 day)``.
* A canonical ``price`` wins over ``Subtotal``; a file without ``Subtotal`` uses ``Total``. The
  credit is computed on the line's amount before tax (``Subtotal``), since the next invoice
  recomputes tax on the credit line.

How ``kind`` is derived from a reconciliation row (there is no ``kind`` column), first rule that applies:

1. a non-blank ``ReservationOrderId``: ``azure_reservation``;
2. a product name holding ``software plan`` (or ``software plans``, ``plan logiciel``,
   ``plans logiciels``; case, accents and punctuation ignored): ``azure_software_plan``;
3. ``TermAndBillingCycle`` naming a term length (``1 Year, Monthly``, ``3 Years``, ``1 Month``,
   ``30 Days``): ``software_subscription``;
4. ``TermAndBillingCycle`` blank, or saying ``One-Time``, ``One Time``, ``Perpetual`` or ``None``:
   ``perpetual_software``;
5. anything else: the row is in error (``error.invalid_field``, field ``kind``), never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from ..errors import InvalidInputError, MissingColumnsError
from ..facts import words

__all__ = [
    "FIELDS",
    "ColumnPlan",
    "Field",
    "derive_kind",
    "is_software_plan_name",
    "kind_from_term",
    "plan_columns",
    "squash",
]


def squash(name: str) -> str:
    """A column name compared without case or separators: ``'Order ID'`` -> ``'orderid'``.

    >>> squash("Customer Country"), squash("order_id"), squash("TermAndBillingCycle")
    ('customercountry', 'orderid', 'termandbillingcycle')
    """
    return "".join(c for c in name.lower() if c.isalnum())


@attrs.frozen
class Field:
    """One input the batch engine reads: its canonical name and the reconciliation names it accepts."""

    name: str
    reconciliation: tuple[str, ...] = ()
    doc: str = ""


#: every input field, canonical name first; order is the order errors are looked for per row
FIELDS: tuple[Field, ...] = (
    Field("market", ("CustomerCountry", "Customer Country"), "market code or name (R3)"),
    Field("order_id", ("OrderId", "Order ID"), "order ID, required"),
    Field("product_name", ("ProductName", "Product name"), "product name, required (R7.3)"),
    Field("sku_name", ("SkuName", "SKU Name"), "SKU name, optional; matched with the product name (R7.3)"),
    Field("kind", (), "ProductKind name in lower case; derived for reconciliation rows"),
    Field("purchased_at", ("OrderDate", "Order date"), "purchase instant (R7)"),
    Field("price", ("Subtotal", "Sub Total", "Total", "TotalForCustomer"), "amount paid (R8.4)"),
    Field("currency", ("Currency",), "ISO 4217 currency code"),
    Field("term_start", ("ChargeStartDate",), "first day of the term (R8.4)"),
    Field("term_end", ("ChargeEndDate",), "day after the term; ChargeEndDate + 1 day (R8.4)"),
    Field("term_started_at", (), "instant the current term began, for a renewal (R11.2); optional"),
    Field("reservation_order_id", ("ReservationOrderId",), "reconciliation only: marks a reservation"),
    Field(
        "term_and_billing_cycle",
        ("TermAndBillingCycle", "Term and Billingcycle"),
        "reconciliation only: tells a subscription from perpetual software",
    ),
)

_BY_NAME = {f.name: f for f in FIELDS}

#: fields a table must have (``kind`` may instead be derived from ``term_and_billing_cycle``)
REQUIRED = ("market", "order_id", "product_name", "purchased_at")


@attrs.frozen
class ColumnPlan:
    """Which input column feeds which field, and how to read it.

    ``columns`` maps a field name to the input column name. ``reconciliation`` holds the fields
    found under a reconciliation name (read with that layout's conventions).
    """

    columns: dict[str, str]
    reconciliation: frozenset[str]

    def get(self, field: str) -> str | None:
        """The input column for ``field``, or None."""
        return self.columns.get(field)

    @property
    def derives_kind(self) -> bool:
        """Whether ``kind`` is derived from the row rather than read."""
        return "kind" not in self.columns


def plan_columns(names: Sequence[str]) -> ColumnPlan:
    """Match a table's column names to the fields; raise one error naming every missing column.

    A canonical name wins over a reconciliation name; among reconciliation names the first listed
    wins (``ColumnPlan.reconciliation`` records the fields read with a reconciliation layout's
    conventions; ``OrderId`` and ``order_id`` squash to one name and read alike). Two input columns that are the same name once squashed (``OrderId`` and ``Order ID``)
    for the field that is used are refused as ambiguous.

    :raises MissingColumnsError: a required column (or price's currency) is absent.
    :raises InvalidInputError: two columns name the same field.

    >>> p = plan_columns(["CustomerCountry", "OrderId", "ProductName", "OrderDate", "TermAndBillingCycle"])
    >>> p.get("market"), p.derives_kind, sorted(p.reconciliation)
    ('CustomerCountry', True, ['market', 'purchased_at'])
    >>> plan_columns(["market", "OrderId"])
    Traceback (most recent call last):
    ...
    csp_rules.errors.MissingColumnsError: missing columns: product_name (or ProductName), ...
    """
    by_squash: dict[str, list[str]] = {}
    for name in names:
        if not isinstance(name, str):
            continue
        by_squash.setdefault(squash(name), []).append(name)
    columns: dict[str, str] = {}
    recon: set[str] = set()
    for field in FIELDS:
        candidates = [(field.name, False)] + [(r, True) for r in field.reconciliation]
        for alias, is_recon in candidates:
            found = by_squash.get(squash(alias))
            if not found:
                continue
            if len(found) > 1:
                exact = [c for c in found if c == alias]
                if len(exact) != 1:
                    raise InvalidInputError(
                        f"columns {', '.join(repr(c) for c in found)} all name {field.name!r}; keep one",
                        field=field.name,
                        value=tuple(found),
                    )
                found = exact
            columns[field.name] = found[0]
            if is_recon:
                recon.add(field.name)
            break
    missing = [_describe(f) for f in REQUIRED if f not in columns]
    if "kind" not in columns and "term_and_billing_cycle" not in columns:
        missing.append("kind (or TermAndBillingCycle)")
    if "price" in columns and "currency" not in columns:
        missing.append("currency (or Currency), needed with a price")
    for one, other in (("term_start", "term_end"), ("term_end", "term_start")):
        if one in columns and other not in columns:
            missing.append(f"{_describe(other)}, needed with {columns[one]}")
    if missing:
        raise MissingColumnsError(
            "missing columns: " + ", ".join(missing) + f"; the table has: {_names(names)}",
            value=tuple(missing),
            field="columns",
        )
    return ColumnPlan(columns=columns, reconciliation=frozenset(recon))


def _describe(field: str) -> str:
    recon = _BY_NAME[field].reconciliation
    return f"{field} (or {recon[0]})" if recon else field


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(str(n) for n in list(names)[:12])
    if len(names) > 12:
        shown += f", ... ({len(names)} columns)"
    return shown or "(no columns)"


# --- kind derivation ------------------------------------------------------------------------

_PLAN_PHRASES = (" software plan ", " software plans ", " plan logiciel ", " plans logiciels ")
_TERM = re.compile(r"\b\d{1,4}\s*(?:years?|months?|days?|ans?|mois|jours?)\b")
_ONE_TIME = frozenset({"one time", "onetime", "perpetual", "none", "one time purchase"})


def is_software_plan_name(product_name: str) -> bool:
    """Whether a product name names an Azure software plan (kind derivation rule 2).

    >>> is_software_plan_name("SUSE Linux Enterprise Server - Software Plan"), is_software_plan_name("Office")
    (True, False)
    """
    plain = words(product_name)
    return any(p in plain for p in _PLAN_PHRASES)


def derive_kind(reservation_order_id: str | None, product_name: str | None, term: str | None) -> str | None:
    """The ``ProductKind`` value of a reconciliation row, or None when it cannot be told (rule 5).

    >>> derive_kind(None, "Windows Server 2019 Standard", "One-Time")
    'perpetual_software'
    >>> derive_kind(None, "Office 365 E3", "1 Year, Monthly")
    'software_subscription'
    >>> derive_kind("3f2c...", "Reserved VM Instance", "1 Year")
    'azure_reservation'
    >>> derive_kind(None, "Red Hat Enterprise Linux Software Plan", "1 Year") is None, derive_kind(None, "X", "??")
    (False, None)
    """
    if reservation_order_id is not None and reservation_order_id.strip():
        return "azure_reservation"
    if product_name is not None and is_software_plan_name(product_name):
        return "azure_software_plan"
    return kind_from_term(term)


def kind_from_term(term: str | None) -> str | None:
    """Kind derivation rules 3 to 5, from ``TermAndBillingCycle`` alone.

    >>> kind_from_term("3 Years, Annual"), kind_from_term(None), kind_from_term("weekly")
    ('software_subscription', 'perpetual_software', None)
    """
    if term is None or not term.strip():
        return "perpetual_software"
    plain = words(term)
    if _TERM.search(plain):
        return "software_subscription"
    if plain.strip() in _ONE_TIME:
        return "perpetual_software"
    return None
