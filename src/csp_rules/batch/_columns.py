"""Column names for :mod:`csp_rules.batch`: the canonical schema, Partner Center's reconciliation layouts
and API line items; how a row's kind and its type (from ``ChargeType``) are told.

Private; :mod:`csp_rules.batch` documents the mapping for users (``docs/howto_batch.rst`` too).

A table names its columns either with the **canonical** snake_case names, with the names of
Partner Center's one-time purchase **reconciliation** files (the November 2019 layout writes
``Customer Country``, ``Order ID``, ``Charge Type``...; the November 2020 layout
``CustomerCountry``, ``OrderId``, ``ChargeType``...), or with the camelCase names of the **API**'s
invoice line items (``OneTimeInvoiceLineItem``: ``customerCountry``, ``orderId``, ``chargeType``,
``totalForCustomer``...). Names are compared after dropping case and every character other than a
letter or a digit, so ``Order ID``, ``OrderId``, ``orderId`` and ``order_id`` are one name.

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
``charge_type``        ChargeType, Charge Type                         the row's type (see below)
=====================  ==============================================  ======================================

Only the reconciliation layouts carry these, used to derive ``kind``: ``ReservationOrderId``,
``TermAndBillingCycle`` (``Term and Billingcycle`` in 2019) and ``MeterDescription``.

Reading rules that differ between the namings:

* ``purchased_at`` without a UTC offset is refused (:class:`~csp_rules.errors.NaiveDatetimeError`,
  as :class:`~csp_rules.facts.Purchase` refuses it), except a bare date (00:00 UTC). Partner
  Center writes its dates in UTC without an offset, so ``OrderDate`` without one is read as UTC,
  and its en-US forms (``10/3/2020``, ``11/21/2019 2:05:00 PM``) are read too.
* ``term_end`` is the first day **after** the term (half-open). ``ChargeEndDate`` is 23:59 of the
  term's last day, so the term read from it is ``[ChargeStartDate's date, ChargeEndDate's date + 1 day)``.
* A canonical ``price`` wins over ``Subtotal``; a file without ``Subtotal`` uses ``Total``. The
  credit is computed on the line's amount before tax (``Subtotal``), since the next invoice
  recomputes tax on the credit line.

**Kind, never guessed.** The kind is taken from evidence only, first rule that applies, and the
rule that decided is the row's ``kind_source`` (:data:`KIND_SOURCES`):

1. ``kind``: a ``kind`` column (then it decides every row: a blank cell is a missing field);
2. ``reservation_order_id``: a non-blank ``ReservationOrderId``: ``azure_reservation``;
3. ``reservation_name``: reservation wording (:func:`is_reservation_name`) in the product, SKU or
   meter name, in any layout (the 2019 layout has no ``ReservationOrderId``): ``azure_reservation``;
4. ``software_plan_name``: a product name holding ``software plan`` (or ``software plans``,
   ``plan logiciel``, ``plans logiciels``; case, accents and punctuation ignored): ``azure_software_plan``;
5. ``term``: ``TermAndBillingCycle`` naming a term (``1 Year, Monthly``, ``3 Years``, ``1 Month``,
   ``30 Days``, ``Subscription``, ``P1Y``): ``software_subscription``;
6. ``one_time_term``: ``TermAndBillingCycle`` saying ``One-Time``, ``One Time``, ``Perpetual`` or
   ``None``; or ``blank_term_no_end``: a blank ``TermAndBillingCycle`` **and** an empty
   ``ChargeEndDate`` (the rule of Microsoft's reconciliation guide): ``perpetual_software``;
7. anything else: ``error.unknown_kind`` on the row (a blank term with a ``ChargeEndDate`` is a
   subscription or a reservation as much as perpetual software: it is not guessed).

**Row types.** ``ChargeType`` (any case) says what an invoice line is (:data:`CHARGE_TYPES`):
``purchase`` (``New``, ``addQuantity``: a seat addition is judged from its own order date),
``renewal`` (``renew``: judged with its ``ChargeStartDate`` as the term's start, R11.2),
``credit`` (``Cancel``, ``removeQuantity``, ``cancelImmediate``: a credit line, never judged as a
purchase) and ``other`` (``customerCredit``, ``cycleCharge``, ``moveQuantity``, ``Convert``,
``changeBillingPlan``, ``extendTerm``, and any value not listed: not judged). Without a
``ChargeType`` column every row is a purchase.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

import attrs

from ..errors import InvalidInputError, MissingColumnsError
from ..facts import words

__all__ = [
    "CHARGE_TYPES",
    "FIELDS",
    "KIND_SOURCES",
    "ROW_TYPES",
    "ColumnPlan",
    "Field",
    "derive_kind",
    "is_reservation_name",
    "is_software_plan_name",
    "kind_from_term",
    "plan_columns",
    "row_type",
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
    Field("charge_type", ("ChargeType", "Charge Type"), "what the line is: purchase, renewal, credit..."),
    Field("reservation_order_id", ("ReservationOrderId",), "reconciliation only: marks a reservation"),
    Field(
        "term_and_billing_cycle",
        ("TermAndBillingCycle", "Term and Billingcycle"),
        "reconciliation only: tells a subscription from perpetual software",
    ),
    Field("meter_description", ("MeterDescription",), "reconciliation only: may name a reservation"),
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
    conventions; ``OrderId`` and ``order_id`` squash to one name and read alike). Two input columns
    that are the same name once squashed (``OrderId`` and ``Order ID``) for the field that is used
    are refused as ambiguous.

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


# --- row types ------------------------------------------------------------------------------

#: the values of the ``row_type`` column, in this order
ROW_TYPES: Final = ("purchase", "renewal", "credit", "other")

#: ``ChargeType`` values (squashed: case and separators ignored) -> row type; any other value is
#: ``other`` with the reason ``batch.unknown_charge_type``
CHARGE_TYPES: Final[dict[str, str]] = {
    "new": "purchase",
    "addquantity": "purchase",
    "renew": "renewal",
    "cancel": "credit",
    "removequantity": "credit",
    "cancelimmediate": "credit",
    "customercredit": "other",
    "cyclecharge": "other",
    "movequantity": "other",
    "convert": "other",
    "changebillingplan": "other",
    "extendterm": "other",
}


def row_type(charge_type: str) -> tuple[str, bool]:
    """``(row type, known)`` of a ``ChargeType`` value; ``known`` is False for a value not listed.

    >>> row_type("New"), row_type("removeQuantity"), row_type("renew"), row_type("Refund")
    (('purchase', True), ('credit', True), ('renewal', True), ('other', False))
    """
    found = CHARGE_TYPES.get(squash(charge_type))
    return (found, True) if found is not None else ("other", False)


# --- kind derivation ------------------------------------------------------------------------

#: the values of the ``kind_source`` column: which evidence decided a row's kind, in the order tried
KIND_SOURCES: Final = (
    "kind",
    "reservation_order_id",
    "reservation_name",
    "software_plan_name",
    "term",
    "one_time_term",
    "blank_term_no_end",
)

_PLAN_PHRASES = (" software plan ", " software plans ", " plan logiciel ", " plans logiciels ")
_RESERVATION_WORDS = (" reservation ", " reservations ", " reserved instance ", " reserved instances ")
_RESERVED = re.compile(
    r" reserved (?:[a-z0-9]+ ){0,4}(?:instance|instances|capacity|vm|vms) "
    r"| (?:instance|instances|capacite) (?:[a-z0-9]+ ){0,3}reservees? "
)
_TERM = re.compile(r"\b\d{1,4}\s*(?:years?|months?|days?|ans?|mois|jours?)\b|\bp\d{1,4}[ymd]\b")
_SUBSCRIPTION = (" subscription ", " subscriptions ", " abonnement ", " abonnements ")
_ONE_TIME = frozenset({"one time", "onetime", "perpetual", "none", "one time purchase"})


def is_software_plan_name(product_name: str) -> bool:
    """Whether a product name names an Azure software plan (kind source ``software_plan_name``).

    >>> is_software_plan_name("SUSE Linux Enterprise Server - Software Plan"), is_software_plan_name("Office")
    (True, False)
    """
    plain = words(product_name)
    return any(p in plain for p in _PLAN_PHRASES)


def is_reservation_name(name: str) -> bool:
    """Whether a product, SKU or meter name names an Azure reservation (kind source ``reservation_name``).

    The words ``reservation(s)``, ``reserved instance(s)``, or ``reserved`` followed within four words
    by ``instance(s)``, ``capacity`` or ``VM(s)`` (French ``réservation``, ``instances réservées``,
    ``capacité réservée``); case, accents and punctuation ignored.

    >>> is_reservation_name("Reserved VM Instance, Standard_D2s_v3, West Europe")
    True
    >>> is_reservation_name("SQL Database Reserved Capacity"), is_reservation_name("Azure Reservations")
    (True, True)
    >>> is_reservation_name("Windows Server 2019 Standard"), is_reservation_name("All rights reserved")
    (False, False)
    """
    plain = words(name)
    return any(w in plain for w in _RESERVATION_WORDS) or _RESERVED.search(plain) is not None


def kind_from_term(term: str | None) -> tuple[str, str] | None:
    """``(kind, kind source)`` from ``TermAndBillingCycle`` alone (rules 5 and 6), or None.

    A blank term gives None: alone it tells nothing (rule 6 also needs an empty ``ChargeEndDate``).

    >>> kind_from_term("3 Years, Annual"), kind_from_term("One-Time")
    (('software_subscription', 'term'), ('perpetual_software', 'one_time_term'))
    >>> kind_from_term(None), kind_from_term("weekly")
    (None, None)
    """
    if term is None or not term.strip():
        return None
    plain = words(term)
    if _TERM.search(plain) or any(s in plain for s in _SUBSCRIPTION):
        return "software_subscription", "term"
    if plain.strip() in _ONE_TIME:
        return "perpetual_software", "one_time_term"
    return None


def derive_kind(
    reservation_order_id: str | None,
    product_name: str | None,
    term: str | None,
    *,
    charge_end: str | None = None,
    end_column: bool = True,
    sku_name: str | None = None,
    meter: str | None = None,
) -> tuple[str, str] | None:
    """``(kind, kind source)`` of a reconciliation row (rules 2 to 6), or None when it cannot be told (7).

    ``charge_end`` is the row's ``ChargeEndDate`` (None or blank: empty); ``end_column`` False says
    the table has no such column, which is no evidence of an empty one.

    >>> derive_kind(None, "Windows Server 2019 Standard", "One-Time")
    ('perpetual_software', 'one_time_term')
    >>> derive_kind(None, "Office 365 E3", "1 Year, Monthly")
    ('software_subscription', 'term')
    >>> derive_kind("3f2c...", "Office 365 E3", "1 Year"), derive_kind(None, "Reserved VM Instance", "1 Year")
    (('azure_reservation', 'reservation_order_id'), ('azure_reservation', 'reservation_name'))
    >>> derive_kind(None, "Project 2019", ""), derive_kind(None, "Project 2019", "", charge_end="2020-03-05")
    (('perpetual_software', 'blank_term_no_end'), None)
    """
    if reservation_order_id is not None and reservation_order_id.strip():
        return "azure_reservation", "reservation_order_id"
    if any(n is not None and is_reservation_name(n) for n in (product_name, sku_name, meter)):
        return "azure_reservation", "reservation_name"
    if product_name is not None and is_software_plan_name(product_name):
        return "azure_software_plan", "software_plan_name"
    found = kind_from_term(term)
    if found is not None:
        return found
    blank_end = end_column and (charge_end is None or not charge_end.strip())
    if (term is None or not term.strip()) and blank_end:
        return "perpetual_software", "blank_term_no_end"
    return None
