"""A picture of one purchase: its timeline as an SVG drawing (R7, R9, R10.3, R5.2, R8.4, R11.1).

People would rather look than read when the question is "when": this module draws one purchase
on a time axis, with up to five rows:

* **Purchase**: the purchase instant (required);
* **how it is cancelled**, what the cancellation decision says (:class:`CancellationRoute`):
  a self-service **cancellation window** ``[purchased_at, window_end)`` (R7.1, 60 days in S2020)
  only where there is one; otherwise a **support-request band** from the purchase on (Windows 7
  ESU under S2020 and names that nearly match an exclusion, R7.3; on-premises software under
  S2018, R10.3; R9), a **not cancellable** mark (SUSE / Red Hat software plans in Azure, R7.3),
  **not covered** (Azure reservations, R7.4) or **no rule stated**;
* **Download link**: ``[link_issued_at, link_expires_at)``, the R5.2 lifetime (two weeks), or the
  issue instant marked **no rule stated** when the version in force states no link rule (R11.1):
  never an invented lifetime;
* **Cancellation**: the instant the purchase was cancelled (R7, R8);
* **Credit**: the invoice date that carries the credit (R8.4), with its amount if known, or **no
  rule stated** (S2018 states no credit rule);

and, when ``at`` is given, a dashed vertical line for the instant the question is asked.

:class:`Timeline` is a frozen value built from these plain facts (all optional but the purchase),
or from a :class:`~csp_rules.facts.Purchase` with :meth:`Timeline.from_purchase`, which draws what
the public decisions say: :func:`csp_rules.cancellation.evaluate` (its outcome, first reason,
rule numbers and deadline), :func:`csp_rules.links.link_status` for the link and a
:class:`~csp_rules.billing.Credit` for the invoice.

**Text is measured, not guessed** (:mod:`csp_rules._svg_text`). The SVG names one font, DejaVu
Sans (``font-family``), and every label is measured with that font's advance widths, shipped in
``data/font_widths.tsv`` (built from the Debian package ``fonts-dejavu-core`` by
``tools/build_font_widths.py``; read lazily, once, thread-safe). Labels are placed beside or inside their marks, wrapped onto a second
line when needed, so that no two labels overlap and every label stays inside the picture, at any
width; a label also keeps clear of the "asked at" line where it can (elsewhere the line passes
behind it). A viewer without DejaVu Sans substitutes another sans-serif font, usually narrower,
so the labels stay apart.

:meth:`Timeline.to_svg` is a pure function of the value: no clock, no random identifiers (the
element ids are derived from a hash of the facts, so two drawings on one page never clash),
nothing beyond the standard library and the shipped width table, every text escaped. Every
instant is shown in UTC; labels are English or French, with plurals by the CLDR rules of the
language ("1 day", "2 days"; "1 jour", "2 jours"). Notebooks show a timeline by itself
(``_repr_svg_``).

>>> from datetime import datetime, timezone
>>> t = Timeline(purchased_at=datetime(2020, 3, 1, 9, 30, tzinfo=timezone.utc),
...              window_end=datetime(2020, 4, 30, 9, 30, tzinfo=timezone.utc),
...              cancelled_at=datetime(2020, 3, 20, tzinfo=timezone.utc), title="Order O-1")
>>> svg = t.to_svg()
>>> svg.startswith("<svg") and svg.endswith("</svg>")
True
>>> print(t.describe())
Order O-1. Purchased on 2020-03-01 09:30 UTC. Cancellation window: 60 days, ends 2020-04-30 09:30 UTC.
Cancelled on 2020-03-20 00:00 UTC, inside the cancellation window.
>>> print(t.describe("fr"))
Order O-1. Achat le 2020-03-01 09:30 UTC. Fenêtre d'annulation : 60 jours, fin le 2020-04-30 09:30 UTC.
Annulation le 2020-03-20 00:00 UTC, dans la fenêtre d'annulation.

Windows 7 ESU bought under S2020 has no self-service window: it is cancelled only through a
support request (R7.3, R9), and the picture draws that band instead of a window:

>>> from csp_rules.facts import Purchase
>>> esu = Purchase(order_id="O-2", product_name="Windows 7 Extended Security Updates 2020",
...                kind="software_subscription", purchased_at=datetime(2020, 1, 25, tzinfo=timezone.utc))
>>> t = Timeline.from_purchase(esu)
>>> t.cancellation, t.window_end, t.cancellation_reason, t.cancellation_rules
(<CancellationRoute.SUPPORT_REQUEST: 'support_request'>, None, 'cancellation.support_request_esu', ('R7.3', 'R9'))
>>> print(t.describe())
O-2 · Windows 7 Extended Security Updates 2020. Purchased on 2020-01-25 00:00 UTC.
How to cancel: support request only, Windows 7 ESU (R7.3, R9).

The module is long because it is one drawing: the :class:`Timeline` value with its validated
facts, its texts in two languages, the time axis and the rows' layout; the text measurement and
placement it shares with the documentation's pictures is :mod:`csp_rules._svg_text`.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any, Final, NamedTuple

import attrs

from . import _l10n, _time
from ._svg_text import (
    _AT_FS,
    _BAR,
    _CLEAR,
    _EDGE,
    _FS,
    _INK,
    _LEFT,
    _LINE,
    _RIGHT,
    _ROW,
    _TICK_FS,
    _TITLE_FS,
    FONT_FAMILY,
    _Block,
    _clip,
    _place,
    _Spot,
    _Text,
    _text_width,
)
from .errors import InvalidDateError, InvalidFieldError, MissingFieldError
from .facts import Money, Purchase, clean_text

__all__ = ["FONT_FAMILY", "CancellationRoute", "Timeline", "timeline_svg"]

_DAY: Final = timedelta(days=1)


class CancellationRoute(enum.Enum):
    """How the purchase is cancelled, as the cancellation decision says (the timeline's second row)."""

    #: a self-service window ``[purchased_at, window_end)`` (R7.1; the decision's SELF_SERVICE or WINDOW_CLOSED)
    WINDOW = "window"
    #: only through a support request, at any time (R7.3 Windows 7 ESU or a near-miss name, R10.3, R9)
    SUPPORT_REQUEST = "support_request"
    #: neither cancelled nor exchanged (R7.3 SUSE / Red Hat software plans in Azure)
    NOT_CANCELLABLE = "not_cancellable"
    #: the rules do not cover it (R7.4 Azure reservations)
    NOT_COVERED = "not_covered"
    #: the version in force states no cancellation rule for it
    NO_RULE_STATED = "no_rule_stated"


#: the reason codes of :func:`csp_rules.cancellation.evaluate` the picture names, with their route
_REASON_ROUTE: Final[dict[str, CancellationRoute]] = {
    "cancellation.self_service": CancellationRoute.WINDOW,
    "cancellation.self_service_fee": CancellationRoute.WINDOW,
    "cancellation.window_closed": CancellationRoute.WINDOW,
    "cancellation.support_request_esu": CancellationRoute.SUPPORT_REQUEST,
    "cancellation.support_request_excluded": CancellationRoute.SUPPORT_REQUEST,
    "cancellation.support_request_on_premises": CancellationRoute.SUPPORT_REQUEST,
    "cancellation.support_request_kind": CancellationRoute.SUPPORT_REQUEST,
    "cancellation.exclusion_suspected": CancellationRoute.SUPPORT_REQUEST,
    "cancellation.not_cancellable": CancellationRoute.NOT_CANCELLABLE,
    "cancellation.not_covered": CancellationRoute.NOT_COVERED,
}

#: labels of the drawing, per language; plural texts are keyed by CLDR plural category
_TEXT: Final[dict[str, dict[str, Any]]] = {
    "en": {
        "_lang": "en",
        "purchase": "Purchase",
        "window": "Cancellation window",
        "route": "How to cancel",
        "link": "Download link",
        "cancellation": "Cancellation",
        "credit": "Credit",
        "at": "asked at {when}",
        "days": {"one": "{n} day", "other": "{n} days"},
        "downloads": {"one": "or {n} download", "other": "or {n} downloads"},
        "ends": "ends {when}",
        "fee": "early termination fee",
        "expires": "expires {when}",
        "on_invoice": "on the invoice of {when}",
        "issued": "issued {when}",
        "no_rule": "no rule stated",
        "cancellation.support_request_esu": "support request only · Windows 7 ESU",
        "cancellation.support_request_excluded": "support request only · excluded product",
        "cancellation.support_request_on_premises": "support request only · on-premises software",
        "cancellation.support_request_kind": "support request only",
        "cancellation.exclusion_suspected": "support request only · name close to an exclusion",
        "support_request": "support request only",
        "not_cancellable": "cannot be cancelled or exchanged",
        "not_covered": "not covered by these rules",
        "d_title": "Timeline of a purchase",
        "d_purchase": "Purchased on {when}.",
        "d_window": "Cancellation window: {length}, ends {when}{rules}.",
        "d_window_nolen": "Cancellation window ends {when}{rules}.",
        "d_fee": "An early termination fee applies.",
        "d_route": "How to cancel: {what}{rules}.",
        "d_link": "Download link issued on {issued}, {length}, expires {when}.",
        "d_link_nolen": "Download link issued on {issued}, expires {when}.",
        "d_link_no_rule": "Download link issued on {issued}: no rule stated for its lifetime or downloads (R11.1).",
        "d_cancel": "Cancelled on {when}.",
        "d_cancel_in": "Cancelled on {when}, inside the cancellation window.",
        "d_cancel_out": "Cancelled on {when}, after the cancellation window.",
        "d_credit": "Credit on the invoice of {when}.",
        "d_credit_amount": "Credit of {amount} on the invoice of {when}.",
        "d_credit_no_rule": "Credit: no rule stated (R8.4).",
        "d_at": "Asked at {when}.",
        "utc": "times in UTC",
    },
    "fr": {
        "_lang": "fr",
        "purchase": "Achat",
        "window": "Fenêtre d'annulation",
        "route": "Comment annuler",
        "link": "Lien de téléchargement",
        "cancellation": "Annulation",
        "credit": "Avoir",
        "at": "question posée le {when}",
        "days": {"one": "{n} jour", "many": "{n} de jours", "other": "{n} jours"},
        "downloads": {
            "one": "ou {n} téléchargement",
            "many": "ou {n} de téléchargements",
            "other": "ou {n} téléchargements",
        },
        "ends": "fin le {when}",
        "fee": "frais de résiliation anticipée",
        "expires": "expire le {when}",
        "on_invoice": "sur la facture du {when}",
        "issued": "émis le {when}",
        "no_rule": "aucune règle énoncée",
        "cancellation.support_request_esu": "demande de support uniquement · Windows 7 ESU",
        "cancellation.support_request_excluded": "demande de support uniquement · produit exclu",
        "cancellation.support_request_on_premises": "demande de support uniquement · logiciel local",
        "cancellation.support_request_kind": "demande de support uniquement",
        "cancellation.exclusion_suspected": "demande de support uniquement · nom proche d'une exclusion",
        "support_request": "demande de support uniquement",
        "not_cancellable": "ni annulable ni échangeable",
        "not_covered": "non couvert par ces règles",
        "d_title": "Chronologie d'un achat",
        "d_purchase": "Achat le {when}.",
        "d_window": "Fenêtre d'annulation : {length}, fin le {when}{rules}.",
        "d_window_nolen": "Fin de la fenêtre d'annulation le {when}{rules}.",
        "d_fee": "Des frais de résiliation anticipée s'appliquent.",
        "d_route": "Comment annuler : {what}{rules}.",
        "d_link": "Lien de téléchargement émis le {issued}, {length}, expire le {when}.",
        "d_link_nolen": "Lien de téléchargement émis le {issued}, expire le {when}.",
        "d_link_no_rule": (
            "Lien de téléchargement émis le {issued} : aucune règle énoncée pour sa durée ni ses "
            "téléchargements (R11.1)."
        ),
        "d_cancel": "Annulation le {when}.",
        "d_cancel_in": "Annulation le {when}, dans la fenêtre d'annulation.",
        "d_cancel_out": "Annulation le {when}, après la fenêtre d'annulation.",
        "d_credit": "Avoir sur la facture du {when}.",
        "d_credit_amount": "Avoir de {amount} sur la facture du {when}.",
        "d_credit_no_rule": "Avoir : aucune règle énoncée (R8.4).",
        "d_at": "Question posée le {when}.",
        "utc": "heures en UTC",
    },
}

# colours (GitHub Primer palette: readable on white; each route also has its own shape)
_MUTED: Final = "#59636e"
_GRID: Final = "#d1d9e0"
_ZEBRA: Final = "#f6f8fa"
_WHITE: Final = "#ffffff"
_COLOURS: Final[dict[str, tuple[str, str, str]]] = {  # row -> (stroke, fill, text inside the fill)
    "purchase": ("#0969da", "#0969da", _INK),
    "window": ("#1a7f37", "#dafbe1", "#116329"),
    "support": ("#9a6700", "#fff8c5", "#7d4e00"),
    "not_cancellable": ("#cf222e", _WHITE, _INK),
    "muted": (_MUTED, _WHITE, _INK),
    "link": ("#0969da", "#ddf4ff", "#0550ae"),
    "cancellation": ("#cf222e", "#cf222e", _INK),
    "credit": ("#8250df", "#8250df", _INK),
}


# --- plurals (CLDR rules through babel) ----------------------------------------------------------


def _count(t: dict[str, Any], key: str, n: int) -> str:
    """``n`` with the noun of ``t[key]`` in the plural form CLDR gives ``n`` in that language."""
    lang = t["_lang"]
    forms: dict[str, str] = t[key]
    form = forms.get(_l10n.plural_form(n, lang), forms["other"])
    return form.format(n=_l10n.format_number(n, lang))


# --- input converters ----------------------------------------------------------------------------


def _lang(value: Any) -> str:
    return _l10n.language(value, "lang")


def _optional_instant(value: Any, field: str) -> datetime | None:
    return None if value is None else _time.as_instant(value, field)


def _window_end(value: Any) -> datetime | None:
    return _optional_instant(value, "window_end")


def _link_issued_at(value: Any) -> datetime | None:
    return _optional_instant(value, "link_issued_at")


def _link_expires_at(value: Any) -> datetime | None:
    return _optional_instant(value, "link_expires_at")


def _cancelled_at(value: Any) -> datetime | None:
    return _optional_instant(value, "cancelled_at")


def _at(value: Any) -> datetime | None:
    return _optional_instant(value, "at")


def _purchased_at(value: Any) -> datetime:
    if value is None:
        raise MissingFieldError(field="purchased_at")
    return _time.as_instant(value, "purchased_at")


def _invoice_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        raise TypeError("credit_invoice_date: give a calendar date (an invoice date), not a datetime")
    if not isinstance(value, date):
        raise TypeError(f"credit_invoice_date: expected a date, got {type(value).__name__}")
    return value


def _money(value: Any) -> Money | None:
    if value is None or isinstance(value, Money):
        return value
    raise TypeError(f"credit: expected Money, got {type(value).__name__}")


def _title(value: Any) -> str | None:
    return clean_text(value, "title", optional=True)


def _cap(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"link_download_cap: expected an int, got {type(value).__name__}")
    if value < 1:
        raise InvalidDateError(
            "link_download_cap: must be at least 1", field="link_download_cap", value=value
        )
    return value


def _route(value: CancellationRoute | str | None) -> CancellationRoute | None:
    if value is None or isinstance(value, CancellationRoute):
        return value
    if not isinstance(value, str):
        raise TypeError(f"cancellation: expected a CancellationRoute, got {type(value).__name__}")
    try:
        return CancellationRoute(value)
    except ValueError:
        choices = ", ".join(repr(r.value) for r in CancellationRoute)
        raise InvalidFieldError(
            f"cancellation: {value!r} is not a route; use one of {choices}", field="cancellation", value=value
        ) from None


def _default_route(self: Any) -> CancellationRoute | None:
    return CancellationRoute.WINDOW if self.window_end is not None else None


def _reason(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"cancellation_reason: expected a reason code (str), got {type(value).__name__}")
    if value not in _REASON_ROUTE:
        raise InvalidFieldError(
            f"cancellation_reason: {value!r} is not a reason code of csp_rules.cancellation the picture draws",
            field="cancellation_reason",
            value=value,
        )
    return value


_RULE_NUMBER: Final = re.compile(r"R\d{1,2}(?:\.\d{1,2})?")


def _rule_numbers(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            f"cancellation_rules: expected a tuple of RULES.md numbers such as ('R7.3', 'R9'), got {type(value).__name__}"
        )
    numbers = tuple(value)
    for number in numbers:
        if not isinstance(number, str):
            raise TypeError(f"cancellation_rules: expected str items, got {type(number).__name__}")
        if not _RULE_NUMBER.fullmatch(number):
            raise InvalidFieldError(
                f"cancellation_rules: {number!r} is not a RULES.md number such as 'R7.3'",
                field="cancellation_rules",
                value=number,
            )
    return numbers


def _bool(value: bool, field: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{field}: expected a bool, got {type(value).__name__}")
    return value


def _link_rule_stated(value: bool) -> bool:
    return _bool(value, "link_rule_stated")


def _credit_rule_stated(value: bool) -> bool:
    return _bool(value, "credit_rule_stated")


def _fmt(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC") if instant.year >= 1000 else instant.isoformat()


def _fmt_date(day: date) -> str:
    return day.isoformat()


def _whole_days(span: timedelta) -> int | None:
    return span.days if span > timedelta(0) and span == timedelta(days=span.days) else None


@attrs.frozen(kw_only=True)
class Timeline:
    """The facts of one purchase in time, drawn by :meth:`to_svg` (R7, R5.2, R8.4, R11.1).

    Every instant is an aware ``datetime`` (stored in UTC) or a ``date`` (00:00 UTC that day);
    ``credit_invoice_date`` is a calendar date. All but ``purchased_at`` are optional. Nothing may
    come before the purchase, and each interval must end after it starts
    (:class:`~csp_rules.errors.InvalidDateError` otherwise).

    * ``cancellation`` says how the purchase is cancelled (:class:`CancellationRoute`); it is
      :attr:`~CancellationRoute.WINDOW` when ``window_end`` is given, and only a window has an
      end. ``cancellation_reason`` is the decision's reason code that says why (for example
      ``"cancellation.support_request_esu"``: the band reads "support request only · Windows 7
      ESU"), ``cancellation_rules`` its RULES.md numbers, shown with it.
    * The link needs both ends, or, with ``link_rule_stated=False`` (a version that states no
      link rule, R11.1), its issue instant only: it is drawn "no rule stated", with no expiry and
      no download cap.
    * ``credit_rule_stated=False`` draws the credit as "no rule stated" (S2018 states no credit
      rule, R8.4), with neither an amount nor an invoice date.

    ``lang`` (``"en"`` or ``"fr"``) is the language of the labels; ``title`` names the drawing
    (e.g. the order and the product).
    """

    purchased_at: datetime = attrs.field(converter=_purchased_at)
    window_end: datetime | None = attrs.field(default=None, converter=_window_end)
    cancellation: CancellationRoute | None = attrs.field(
        default=attrs.Factory(_default_route, takes_self=True), converter=_route
    )
    cancellation_reason: str | None = attrs.field(default=None, converter=_reason)
    cancellation_rules: tuple[str, ...] = attrs.field(default=(), converter=_rule_numbers)
    link_issued_at: datetime | None = attrs.field(default=None, converter=_link_issued_at)
    link_expires_at: datetime | None = attrs.field(default=None, converter=_link_expires_at)
    link_download_cap: int | None = attrs.field(default=None, converter=_cap)
    link_rule_stated: bool = attrs.field(default=True, converter=_link_rule_stated)
    cancelled_at: datetime | None = attrs.field(default=None, converter=_cancelled_at)
    credit_invoice_date: date | None = attrs.field(default=None, converter=_invoice_date)
    credit: Money | None = attrs.field(default=None, converter=_money)
    credit_rule_stated: bool = attrs.field(default=True, converter=_credit_rule_stated)
    at: datetime | None = attrs.field(default=None, converter=_at)
    title: str | None = attrs.field(default=None, converter=_title)
    lang: str = attrs.field(default="en", converter=_lang)

    def __attrs_post_init__(self) -> None:
        self._check_cancellation()
        self._check_link()
        if not self.credit_rule_stated:
            for field in ("credit", "credit_invoice_date"):
                if getattr(self, field) is not None:
                    raise InvalidFieldError(
                        f"{field}: a credit with no rule stated has no amount and no invoice date",
                        field=field,
                        value=getattr(self, field),
                    )
        start = self.purchased_at
        for field in ("window_end", "link_issued_at", "cancelled_at", "at"):
            value = getattr(self, field)
            if value is not None and value < start:
                raise InvalidDateError(
                    f"{field}: {value.isoformat()} is before the purchase ({start.isoformat()})",
                    field=field,
                    value=value,
                )
        if self.window_end is not None and self.window_end == start:
            raise InvalidDateError("window_end: the window is empty", field="window_end", value=start)
        if (
            self.link_issued_at is not None
            and self.link_expires_at is not None
            and self.link_expires_at <= self.link_issued_at
        ):
            raise InvalidDateError(
                f"link_expires_at: {self.link_expires_at.isoformat()} is not after the link was issued "
                f"({self.link_issued_at.isoformat()})",
                field="link_expires_at",
                value=self.link_expires_at,
            )
        if self.credit_invoice_date is not None and self.credit_invoice_date < start.date():
            raise InvalidDateError(
                f"credit_invoice_date: {self.credit_invoice_date.isoformat()} is before the purchase",
                field="credit_invoice_date",
                value=self.credit_invoice_date,
            )

    def _check_cancellation(self) -> None:
        route = self.cancellation
        if route is CancellationRoute.WINDOW and self.window_end is None:
            raise MissingFieldError(
                "window_end: a cancellation window (cancellation='window') needs its end", field="window_end"
            )
        if route is not CancellationRoute.WINDOW and self.window_end is not None:
            raise InvalidFieldError(
                f"window_end: only a self-service window has an end, not cancellation={_value(route)!r}",
                field="window_end",
                value=self.window_end,
            )
        reason = self.cancellation_reason
        if reason is not None and _REASON_ROUTE[reason] is not route:
            raise InvalidFieldError(
                f"cancellation_reason: {reason!r} belongs to cancellation={_REASON_ROUTE[reason].value!r}, "
                f"not {_value(route)!r}",
                field="cancellation_reason",
                value=reason,
            )
        if route is None and self.cancellation_rules:
            raise InvalidFieldError(
                "cancellation_rules: rule numbers go with a cancellation route",
                field="cancellation_rules",
                value=self.cancellation_rules,
            )

    def _check_link(self) -> None:
        if self.link_rule_stated:
            if (self.link_issued_at is None) != (self.link_expires_at is None):
                missing = "link_expires_at" if self.link_expires_at is None else "link_issued_at"
                raise MissingFieldError(
                    f"{missing}: give both link_issued_at and link_expires_at, or neither", field=missing
                )
        else:
            if self.link_issued_at is None:
                raise MissingFieldError(
                    "link_issued_at: a link with no rule stated still has its issue instant",
                    field="link_issued_at",
                )
            for field in ("link_expires_at", "link_download_cap"):
                if getattr(self, field) is not None:
                    raise InvalidFieldError(
                        f"{field}: a link with no rule stated has no expiry and no download cap (R11.1)",
                        field=field,
                        value=getattr(self, field),
                    )
        if self.link_download_cap is not None and self.link_issued_at is None:
            raise InvalidFieldError(
                "link_download_cap: a download cap goes with a link",
                field="link_download_cap",
                value=self.link_download_cap,
            )

    # --- building from the rule modules ----------------------------------------------------------

    @classmethod
    def from_purchase(
        cls,
        purchase: Purchase,
        *,
        rules: Any = None,
        link: Any = None,
        cancelled_at: datetime | date | None = None,
        credit: Any = None,
        invoice_date: date | None = None,
        at: datetime | date | None = None,
        lang: str = "en",
    ) -> Timeline:
        """The timeline of ``purchase`` under ``rules`` (default: the rule set in force at its purchase date).

        * how it is cancelled is what :func:`csp_rules.cancellation.evaluate` answers at ``at``
          (or at the purchase instant): a window ending at the decision's deadline for
          ``SELF_SERVICE`` and ``WINDOW_CLOSED``; for ``SUPPORT_REQUEST`` a support-request band
          (R7.3, R10.3, R9; a deadline reported for information only, as for Windows 7 ESU, is
          not drawn as a window); a mark for ``NOT_CANCELLABLE`` and ``NOT_COVERED``. The
          decision's first reason and its rule numbers label the row;
        * ``link``: a :class:`~csp_rules.links.DownloadLink`; its expiry and download cap are those
          :func:`csp_rules.links.link_status` reports under the rule set in force when it was
          issued, or ``rules`` if given (R5.2); a link status "no rule stated" (R11.1) is drawn so;
        * ``credit``: a :class:`~csp_rules.billing.Credit` (its ``invoice_date`` and ``amount`` are
          drawn; its outcome ``NO_RULE_STATED`` is drawn "no rule stated") or a
          :class:`~csp_rules.facts.Money` amount with ``invoice_date`` (R8.4);
        * ``cancelled_at`` and ``at`` (the instant the question is asked) are drawn as given.

        :raises TypeError: ``purchase`` is not a :class:`~csp_rules.facts.Purchase`.
        :raises InvalidDateError: ``at`` is before the purchase.
        :raises NoRulesInForceError: the purchase predates the first rule set and ``rules`` is None.
        """
        from .cancellation import Outcome, evaluate

        if not isinstance(purchase, Purchase):
            raise TypeError(f"purchase: expected a Purchase, got {type(purchase).__name__}")
        asked = purchase.purchased_at if at is None else _time.as_instant(at, "at")
        decision = evaluate(purchase, at=asked, rules=rules)
        routes = {
            Outcome.SELF_SERVICE: CancellationRoute.WINDOW,
            Outcome.WINDOW_CLOSED: CancellationRoute.WINDOW,
            Outcome.SUPPORT_REQUEST: CancellationRoute.SUPPORT_REQUEST,
            Outcome.NOT_CANCELLABLE: CancellationRoute.NOT_CANCELLABLE,
            Outcome.NOT_COVERED: CancellationRoute.NOT_COVERED,
        }
        route = routes.get(decision.outcome)  # type: ignore[call-overload]
        if route is None:  # pragma: no cover - evaluate without roles never answers NOT_PERMITTED
            raise InvalidFieldError(
                f"purchase: a cancellation outcome {decision.outcome!r} cannot be drawn",
                field="purchase",
                value=decision.outcome,
            )
        reason = next((r for r in decision.reasons if r in _REASON_ROUTE), None)
        window_end = decision.deadline if route is CancellationRoute.WINDOW else None
        issued = expires = None
        cap = None
        link_stated = True
        if link is not None:
            from .links import DownloadLink, link_status

            if not isinstance(link, DownloadLink):
                raise TypeError(f"link: expected a DownloadLink, got {type(link).__name__}")
            state = link_status(link, at=link.issued_at, downloads=0, rules=rules)
            issued = link.issued_at
            expires = state.facts.get("expires_at")
            link_stated = state.status.value != "no_rule_stated" and expires is not None
            cap = state.facts.get("download_cap") if link_stated else None
            if not link_stated:
                expires = None
        amount: Money | None = None
        credit_stated = True
        if isinstance(credit, Money) or credit is None:
            amount = credit
        elif hasattr(credit, "invoice_date") and hasattr(credit, "amount"):
            amount = credit.amount if isinstance(credit.amount, Money) else None
            outcome = getattr(credit, "outcome", None)
            credit_stated = getattr(outcome, "value", None) != "no_rule_stated"
            if invoice_date is None and credit_stated:
                invoice_date = credit.invoice_date
        else:
            raise TypeError(f"credit: expected a Credit or Money, got {type(credit).__name__}")
        return cls(
            purchased_at=purchase.purchased_at,
            window_end=window_end,
            cancellation=route,
            cancellation_reason=reason,
            cancellation_rules=decision.rule_numbers,
            link_issued_at=issued,
            link_expires_at=expires,
            link_download_cap=cap,
            link_rule_stated=link_stated,
            cancelled_at=cancelled_at,
            credit_invoice_date=invoice_date,
            credit=amount,
            credit_rule_stated=credit_stated,
            at=at,
            title=f"{purchase.order_id} · {purchase.product_name}",
            lang=lang,
        )

    # --- text --------------------------------------------------------------------------------

    def describe(self, lang: str | None = None) -> str:
        """The timeline in words (also the drawing's accessible ``<desc>``), in UTC."""
        language = self.lang if lang is None else _lang(lang)
        t = _TEXT[language]
        parts = [f"{self.title}." if self.title else f"{t['d_title']}."]
        parts.append(t["d_purchase"].format(when=_fmt(self.purchased_at)))
        rules = f" ({', '.join(self.cancellation_rules)})" if self.cancellation_rules else ""
        if self.window_end is not None:
            days = _whole_days(self.window_end - self.purchased_at)
            when = _fmt(self.window_end)
            if days is None:
                parts.append(t["d_window_nolen"].format(when=when, rules=rules))
            else:
                parts.append(t["d_window"].format(length=_count(t, "days", days), when=when, rules=rules))
            if self.cancellation_reason == "cancellation.self_service_fee":
                parts.append(t["d_fee"])
        elif self.cancellation is not None:
            what = self._route_label(t).replace(" · ", ", ")
            parts.append(t["d_route"].format(what=what, rules=rules))
        if self.link_issued_at is not None:
            issued = _fmt(self.link_issued_at)
            if self.link_expires_at is None:
                parts.append(t["d_link_no_rule"].format(issued=issued))
            else:
                length = self._link_length(t)
                key = "d_link" if length else "d_link_nolen"
                parts.append(t[key].format(issued=issued, length=length, when=_fmt(self.link_expires_at)))
        if self.cancelled_at is not None:
            key = "d_cancel"
            if self.window_end is not None:
                key = "d_cancel_in" if self.cancelled_at < self.window_end else "d_cancel_out"
            parts.append(t[key].format(when=_fmt(self.cancelled_at)))
        if not self.credit_rule_stated:
            parts.append(t["d_credit_no_rule"])
        elif self.credit_invoice_date is not None:
            when = _fmt_date(self.credit_invoice_date)
            if self.credit is not None:
                parts.append(t["d_credit_amount"].format(amount=self._amount(language), when=when))
            else:
                parts.append(t["d_credit"].format(when=when))
        if self.at is not None:
            parts.append(t["d_at"].format(when=_fmt(self.at)))
        return _wrap(" ".join(parts))

    def _route_label(self, t: dict[str, Any]) -> str:
        route = self.cancellation
        if route is CancellationRoute.SUPPORT_REQUEST:
            text: str = t.get(self.cancellation_reason or "", t["support_request"])
            return text
        if route is CancellationRoute.NOT_CANCELLABLE:
            return str(t["not_cancellable"])
        if route is CancellationRoute.NOT_COVERED:
            return str(t["not_covered"])
        return str(t["no_rule"])

    def _link_length(self, t: dict[str, Any]) -> str:
        assert self.link_issued_at is not None and self.link_expires_at is not None
        days = _whole_days(self.link_expires_at - self.link_issued_at)
        length = "" if days is None else _count(t, "days", days)
        if self.link_download_cap is not None:
            extra = _count(t, "downloads", self.link_download_cap)
            length = f"{length} {extra}" if length else extra
        return length

    def _amount(self, lang: str) -> str:
        assert self.credit is not None
        return self.credit.format(lang)

    # --- drawing -----------------------------------------------------------------------------

    def to_svg(self, *, width: int = 720) -> str:
        """The timeline as a standalone SVG document (a string), ``width`` pixels wide (400 to 4000).

        Deterministic: the same timeline always gives the same string. From 480 pixels on, no
        two labels overlap and every label is inside the picture (measured in DejaVu Sans).
        """
        if isinstance(width, bool) or not isinstance(width, int):
            raise TypeError(f"width: expected an int, got {type(width).__name__}")
        if not 400 <= width <= 4000:
            raise InvalidDateError("width: expected 400 to 4000 pixels", field="width", value=width)
        return _render(self, width)

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def ident(self) -> str:
        """A short identifier derived from the facts (used for the SVG's element ids)."""
        key = repr(attrs.astuple(self, recurse=False)).encode("utf-8")
        return "csp-tl-" + hashlib.sha256(key).hexdigest()[:12]


def _value(route: CancellationRoute | None) -> str | None:
    return None if route is None else route.value


def _wrap(text: str) -> str:
    """One sentence per line, so the description reads well as text too."""
    out: list[str] = []
    line = ""
    for sentence in text.split(". "):
        piece = sentence if sentence.endswith(".") else sentence + "."
        if line and len(line) + 1 + len(piece) > 110:
            out.append(line)
            line = piece
        else:
            line = f"{line} {piece}" if line else piece
    out.append(line)
    return "\n".join(out)


def timeline_svg(
    purchased_at: datetime | date,
    *,
    window_end: datetime | date | None = None,
    link_issued_at: datetime | date | None = None,
    link_expires_at: datetime | date | None = None,
    link_download_cap: int | None = None,
    cancelled_at: datetime | date | None = None,
    credit_invoice_date: date | None = None,
    credit: Money | None = None,
    at: datetime | date | None = None,
    title: str | None = None,
    lang: str = "en",
    width: int = 720,
) -> str:
    """The SVG drawing of a purchase's timeline from plain facts (R7.1, R5.2, R8.4): a pure function.

    Shorthand for ``Timeline(...).to_svg(width=width)``; build a :class:`Timeline` for the other
    routes of cancellation and for "no rule stated".

    >>> from datetime import date
    >>> svg = timeline_svg(date(2020, 3, 1), window_end=date(2020, 4, 30), lang="fr")
    >>> "Fenêtre d&#x27;annulation" in svg, svg == timeline_svg(date(2020, 3, 1), window_end=date(2020, 4, 30), lang="fr")
    (True, True)
    """
    return Timeline(
        purchased_at=purchased_at,
        window_end=window_end,
        link_issued_at=link_issued_at,
        link_expires_at=link_expires_at,
        link_download_cap=link_download_cap,
        cancelled_at=cancelled_at,
        credit_invoice_date=credit_invoice_date,
        credit=credit,
        at=at,
        title=title,
        lang=lang,
    ).to_svg(width=width)


class _Scale:
    def __init__(self, lo: datetime, hi: datetime, x0: float, x1: float) -> None:
        self.lo, self.hi, self.x0, self.x1 = lo, hi, x0, x1
        self.span = (hi - lo).total_seconds()

    def x(self, instant: datetime) -> float:
        return self.x0 + (instant - self.lo).total_seconds() / self.span * (self.x1 - self.x0)


def _bounds(instants: list[datetime]) -> tuple[datetime, datetime]:
    first, last = min(instants), max(instants)
    span = last - first
    pad = max(span * 0.05, timedelta(hours=12))
    if span + 2 * pad < _DAY:
        pad = (_DAY - span) / 2
    try:
        lo = first - pad
    except OverflowError:
        lo = datetime.min.replace(tzinfo=_time.UTC)
    try:
        hi = last + pad
    except OverflowError:
        hi = datetime.max.replace(tzinfo=_time.UTC)
    return lo, hi


def _midnight(instant: datetime) -> datetime:
    return datetime.combine(instant.date(), time(0), tzinfo=_time.UTC)


def _add_months(day: date, months: int) -> date | None:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if year > 9999:
        return None
    return date(year, month + 1, 1)


def _ticks_days(lo: datetime, hi: datetime, step: int, limit: int) -> list[tuple[datetime, str]] | None:
    current: datetime | None = _midnight(lo)
    if current is not None and current < lo:
        current = _add(current, 1)
    if step >= 7 and current is not None:  # weeks start on Mondays
        current = _add(current, (7 - current.weekday()) % 7)
    ticks: list[tuple[datetime, str]] = []
    while current is not None and current <= hi:
        ticks.append((current, current.date().isoformat()))
        if len(ticks) > limit:
            return None
        current = _add(current, step)
    return ticks


def _add(instant: datetime, days: int) -> datetime | None:
    try:
        return instant + timedelta(days=days)
    except OverflowError:
        return None


def _ticks_months(lo: datetime, hi: datetime, step: int, limit: int) -> list[tuple[datetime, str]] | None:
    day: date | None = date(lo.year, lo.month, 1)
    assert day is not None
    if datetime.combine(day, time(0), tzinfo=_time.UTC) < lo:
        day = _add_months(day, 1)
    while day is not None and (day.year * 12 + day.month - 1) % step:
        day = _add_months(day, 1)
    ticks: list[tuple[datetime, str]] = []
    while day is not None:
        instant = datetime.combine(day, time(0), tzinfo=_time.UTC)
        if instant > hi:
            break
        label = str(day.year) if step % 12 == 0 else day.isoformat()
        ticks.append((instant, label))
        if len(ticks) > limit:
            return None
        day = _add_months(day, step)
    return ticks


_DAY_STEPS: Final = (1, 2, 7, 14)
_MONTH_STEPS: Final = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12000, 24000, 60000)


def _ticks(lo: datetime, hi: datetime, limit: int) -> list[tuple[datetime, str]]:
    span_days = (hi - lo).total_seconds() / 86400
    for step in _DAY_STEPS:
        if span_days / step <= limit + 1:
            ticks = _ticks_days(lo, hi, step, limit)
            if ticks is not None:
                return ticks
    for months in _MONTH_STEPS:
        if span_days / (months * 28) <= limit + 1:
            ticks = _ticks_months(lo, hi, months, limit)
            if ticks is not None:
                return ticks
    return []  # pragma: no cover - 60000 months cover the calendar


def _diamond(x: float, y: float, stroke: str, fill: str) -> str:
    r = 6.5
    return (
        f'<path d="M{x:.1f} {y - r:.1f} L{x + r:.1f} {y:.1f} L{x:.1f} {y + r:.1f} L{x - r:.1f} {y:.1f} Z" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
    )


class _RowPlan(NamedTuple):
    """One row, placed horizontally: its name, its mark, its label (drawn once its height is known)."""

    name: str
    colour: str  # key of _COLOURS
    shape: str  # 'bar', 'band', 'diamond', 'hollow', 'ring', 'crossed'
    xa: float
    xb: float
    block: _Block


def _plan(
    name: str,
    colour: str,
    shape: str,
    span: tuple[float, float],
    text: str,
    spots: list[_Spot],
    at_x: float | None,
) -> _RowPlan:
    return _RowPlan(name, colour, shape, span[0], span[1], _place(text, spots, at_x))


def _mark_spots(x: float, limits: tuple[float, float], at_x: float | None) -> list[_Spot]:
    """Beside a mark at ``x``: on its right, else on its left; else just past the "asked at" line when
    that line is close by."""
    lo, hi = limits
    spots = [_Spot(x + 11, hi, "start"), _Spot(lo, x - 11, "end")]
    if at_x is not None and 0 < at_x - x < 48:
        spots.insert(1, _Spot(at_x + _CLEAR + 2, hi, "start"))
    if at_x is not None and 0 < x - at_x < 48:
        spots.append(_Spot(lo, at_x - _CLEAR - 2, "end"))
    return spots


def _bar_spots(
    xa: float, xb: float, limits: tuple[float, float], at_x: float | None, *, open_end: bool = False
) -> list[_Spot]:
    """Inside the bar ``[xa, xb]`` (either side of the "asked at" line), else after it, else before it."""
    lo, hi = limits
    inner_hi = xb - (16 if open_end else 8)
    spots = [_Spot(xa + 8, inner_hi, "start", inside=True)]
    if at_x is not None and xa < at_x < xb:
        spots.append(_Spot(at_x + _CLEAR + 2, inner_hi, "start", inside=True))
        spots.append(_Spot(xa + 8, at_x - _CLEAR - 2, "start", inside=True))
    if not open_end:
        spots.append(_Spot(xb + 10, hi, "start"))
        if at_x is not None and 0 < at_x - xb < 48:
            spots.append(_Spot(at_x + _CLEAR + 2, hi, "start"))
    spots.append(_Spot(lo, xa - 10, "end"))
    return spots


def _rows(tl: Timeline, t: dict[str, Any], scale: _Scale, limits: tuple[float, float]) -> list[_RowPlan]:
    at_x = None if tl.at is None else scale.x(tl.at)
    rows: list[_RowPlan] = []
    xp = scale.x(tl.purchased_at)
    rows.append(
        _plan(
            t["purchase"],
            "purchase",
            "diamond",
            (xp, xp),
            _fmt(tl.purchased_at),
            _mark_spots(xp, limits, at_x),
            at_x,
        )
    )
    route = tl.cancellation
    rules = f" ({', '.join(tl.cancellation_rules)})" if tl.cancellation_rules else ""
    if tl.window_end is not None:
        xb = scale.x(tl.window_end)
        days = _whole_days(tl.window_end - tl.purchased_at)
        parts = [] if days is None else [_count(t, "days", days)]
        if tl.cancellation_reason == "cancellation.self_service_fee":
            parts.append(t["fee"])
        parts.append(t["ends"].format(when=_fmt(tl.window_end)))
        text = " · ".join(parts)
        rows.append(
            _plan(t["window"], "window", "bar", (xp, xb), text, _bar_spots(xp, xb, limits, at_x), at_x)
        )
    elif route is CancellationRoute.SUPPORT_REQUEST:
        text = tl._route_label(t) + rules
        spots = _bar_spots(xp, scale.x1, limits, at_x, open_end=True)
        rows.append(_plan(t["route"], "support", "band", (xp, scale.x1), text, spots, at_x))
    elif route is not None:
        text = tl._route_label(t) + rules
        shape = "crossed" if route is CancellationRoute.NOT_CANCELLABLE else "ring"
        colour = "not_cancellable" if route is CancellationRoute.NOT_CANCELLABLE else "muted"
        rows.append(_plan(t["route"], colour, shape, (xp, xp), text, _mark_spots(xp, limits, at_x), at_x))
    if tl.link_issued_at is not None:
        xa = scale.x(tl.link_issued_at)
        if tl.link_expires_at is None:
            text = f"{t['issued'].format(when=_fmt(tl.link_issued_at))} · {t['no_rule']} (R11.1)"
            rows.append(
                _plan(t["link"], "link", "hollow", (xa, xa), text, _mark_spots(xa, limits, at_x), at_x)
            )
        else:
            xb = scale.x(tl.link_expires_at)
            length = tl._link_length(t)
            text = t["expires"].format(when=_fmt(tl.link_expires_at))
            if length:
                text = f"{length} · {text}"
            rows.append(
                _plan(t["link"], "link", "bar", (xa, xb), text, _bar_spots(xa, xb, limits, at_x), at_x)
            )
    if tl.cancelled_at is not None:
        xc = scale.x(tl.cancelled_at)
        text = _fmt(tl.cancelled_at)
        rows.append(
            _plan(
                t["cancellation"],
                "cancellation",
                "diamond",
                (xc, xc),
                text,
                _mark_spots(xc, limits, at_x),
                at_x,
            )
        )
    if not tl.credit_rule_stated:
        anchor = tl.cancelled_at or tl.purchased_at
        xc = scale.x(anchor)
        text = f"{t['no_rule']} (R8.4)"
        rows.append(
            _plan(t["credit"], "credit", "hollow", (xc, xc), text, _mark_spots(xc, limits, at_x), at_x)
        )
    elif tl.credit_invoice_date is not None:
        xc = scale.x(datetime.combine(tl.credit_invoice_date, time(0), tzinfo=_time.UTC))
        text = t["on_invoice"].format(when=_fmt_date(tl.credit_invoice_date))
        if tl.credit is not None:
            text = f"{tl._amount(tl.lang)} {text}"
        rows.append(
            _plan(t["credit"], "credit", "diamond", (xc, xc), text, _mark_spots(xc, limits, at_x), at_x)
        )
    return rows


def _mark(row: _RowPlan, cy: float, bar_h: float) -> list[str]:
    stroke, fill, _ = _COLOURS[row.colour]
    xa, xb = row.xa, row.xb
    top = cy - bar_h / 2
    if row.shape == "bar":
        return [
            f'<rect x="{xa:.1f}" y="{top:.1f}" width="{max(xb - xa, 1.5):.1f}" height="{bar_h:g}" rx="3" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.2"/>',
            f'<line x1="{xb:.1f}" y1="{top - 4:.1f}" x2="{xb:.1f}" y2="{top + bar_h + 4:.1f}" stroke="{stroke}" '
            f'stroke-width="2.5"/>',
        ]
    if row.shape == "band":  # open on the right: it runs on past the picture, with an arrow head
        tip = xb
        end = max(xa + 1.5, tip - 9)
        return [
            f'<path d="M{end:.1f} {top:.1f} L{xa + 3:.1f} {top:.1f} Q{xa:.1f} {top:.1f} {xa:.1f} {top + 3:.1f} '
            f"L{xa:.1f} {top + bar_h - 3:.1f} Q{xa:.1f} {top + bar_h:.1f} {xa + 3:.1f} {top + bar_h:.1f} "
            f'L{end:.1f} {top + bar_h:.1f}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.2"/>',
            f'<path d="M{end:.1f} {top:.1f} L{tip:.1f} {cy:.1f} L{end:.1f} {top + bar_h:.1f} Z" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.2" stroke-linejoin="round"/>',
        ]
    if row.shape == "diamond":
        return [_diamond(xa, cy, _WHITE, stroke)]
    if row.shape == "hollow":
        return [_diamond(xa, cy, stroke, _WHITE)]
    r = 6.5
    ring = f'<circle cx="{xa:.1f}" cy="{cy:.1f}" r="{r}" fill="{_WHITE}" stroke="{stroke}" stroke-width="2"/>'
    if row.shape == "ring":
        return [ring]
    d = r * 0.7071
    return [  # crossed: a "no entry" sign
        ring,
        f'<line x1="{xa - d:.1f}" y1="{cy + d:.1f}" x2="{xa + d:.1f}" y2="{cy - d:.1f}" stroke="{stroke}" '
        f'stroke-width="2"/>',
    ]


def _render(tl: Timeline, width: int) -> str:
    t = _TEXT[tl.lang]
    ident = tl.ident()
    names = [t["purchase"], t["window"], t["route"], t["link"], t["cancellation"], t["credit"]]
    x0 = _LEFT + max(_text_width(n, _FS) for n in names) + 18
    x1 = float(width - _RIGHT)
    instants = [tl.purchased_at]
    for value in (tl.window_end, tl.link_issued_at, tl.link_expires_at, tl.cancelled_at, tl.at):
        if value is not None:
            instants.append(value)
    if tl.credit_invoice_date is not None:
        instants.append(datetime.combine(tl.credit_invoice_date, time(0), tzinfo=_time.UTC))
    lo, hi = _bounds(instants)
    scale = _Scale(lo, hi, x0, x1)
    limits = (x0 - 8, width - _EDGE)
    at_x = None if tl.at is None else scale.x(tl.at)

    texts: list[_Text] = []
    heading = tl.title or t["d_title"]
    texts.append(_Text(_LEFT, 22, _clip(heading, width - 2 * _LEFT, _TITLE_FS, True), _TITLE_FS, bold=True))
    top = 34.0
    if at_x is not None:
        assert tl.at is not None
        label = t["at"].format(when=_fmt(tl.at))
        w = _text_width(label, _AT_FS)
        x = min(max(at_x, _EDGE + w / 2), width - _EDGE - w / 2)
        texts.append(_Text(x, 44, label, _AT_FS, anchor="middle"))
        top = 54.0

    plans = _rows(tl, t, scale, limits)
    backgrounds: list[str] = []
    marks: list[str] = []
    y = top
    for i, row in enumerate(plans):
        k = len(row.block.lines)
        height = max(_ROW, _LINE * k + 18)
        cy = y + height / 2
        zebra = i % 2 == 0
        if zebra:
            backgrounds.append(
                f'<rect x="{_LEFT - 6}" y="{y:.1f}" width="{width - 2 * _LEFT + 12}" height="{height:g}" fill="{_ZEBRA}"/>'
            )
        texts.append(_Text(_LEFT, cy + 4.5, row.name))
        bar_h = _BAR + (_LINE * (k - 1) if row.block.inside else 0)
        marks.extend(_mark(row, cy, bar_h))
        _, fill, inner = _COLOURS[row.colour]
        colour, halo = (inner, fill) if row.block.inside else (_INK, _ZEBRA if zebra else _WHITE)
        for j, line in enumerate(row.block.lines):
            baseline = cy + 4.5 + (j - (k - 1) / 2) * _LINE
            texts.append(_Text(row.block.left, baseline, line, fill=colour, halo=halo))
        y += height
    rows_top = top
    axis_y = y + 6

    body: list[str] = list(backgrounds)
    # axis with ticks and vertical grid lines; a tick label that would leave the picture or touch
    # the one before it is left out (with its grid line)
    sample = _text_width("2020-03-30", _TICK_FS)
    limit = max(2, int((x1 - x0) // (sample + 16)))
    body.append(
        f'<line x1="{x0:.1f}" y1="{axis_y:.1f}" x2="{x1:.1f}" y2="{axis_y:.1f}" stroke="{_MUTED}" stroke-width="1"/>'
    )
    previous = float("-inf")
    for instant, text in _ticks(lo, hi, limit):
        x = scale.x(instant)
        w = _text_width(text, _TICK_FS)
        if x - w / 2 < _EDGE or x + w / 2 > width - _EDGE or x - w / 2 < previous + 8:
            continue
        previous = x + w / 2
        body.append(
            f'<line x1="{x:.1f}" y1="{rows_top:.1f}" x2="{x:.1f}" y2="{axis_y:.1f}" stroke="{_GRID}" stroke-width="1"/>'
        )
        body.append(
            f'<line x1="{x:.1f}" y1="{axis_y:.1f}" x2="{x:.1f}" y2="{axis_y + 5:.1f}" stroke="{_MUTED}" stroke-width="1"/>'
        )
        texts.append(_Text(x, axis_y + 18, text, _TICK_FS, anchor="middle", fill=_MUTED))
    texts.append(_Text(x1, axis_y + 34, t["utc"], _TICK_FS, anchor="end", fill=_MUTED))

    # the end of the window and the cancellation, as guides across every row
    for when, colour in (
        (tl.window_end, _COLOURS["window"][0]),
        (tl.cancelled_at, _COLOURS["cancellation"][0]),
    ):
        if when is not None:
            x = scale.x(when)
            body.append(
                f'<line x1="{x:.1f}" y1="{rows_top:.1f}" x2="{x:.1f}" y2="{axis_y:.1f}" stroke="{colour}" '
                f'stroke-width="1" stroke-dasharray="2 3"/>'
            )
    body.extend(marks)
    if at_x is not None:  # over the marks, under the labels (which stop it with their halo)
        body.append(
            f'<line x1="{at_x:.1f}" y1="{top - 6:.1f}" x2="{at_x:.1f}" y2="{axis_y:.1f}" stroke="{_INK}" '
            f'stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
    body.extend(text.svg() for text in texts)

    height = int(axis_y + 44)
    desc = tl.describe()
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="{escape(FONT_FAMILY, quote=True)}" class="csp-timeline" lang="{tl.lang}">'
        f'<title id="{ident}-title">{escape(heading, quote=True)}</title>'
        f'<desc id="{ident}-desc">{escape(desc, quote=True)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{_WHITE}"/>' + "".join(body) + "</svg>"
    )
