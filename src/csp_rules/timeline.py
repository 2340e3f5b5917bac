"""A picture of one purchase: its timeline as an SVG drawing (R7.1, R5.2, R8.4).

People would rather look than read when the question is "when": this module draws one purchase
on a time axis, with up to five rows:

* **Purchase**: the purchase instant (required);
* **Cancellation window**: ``[purchased_at, window_end)``, the R7.1 window (60 days in S2020);
* **Download link**: ``[link_issued_at, link_expires_at)``, the R5.2 lifetime (two weeks);
* **Cancellation**: the instant the purchase was cancelled (R7, R8);
* **Credit**: the invoice date that carries the credit (R8.4), with its amount if known;

and, when ``at`` is given, a dashed vertical line for the instant the question is asked.

:class:`Timeline` is a frozen value built from these plain facts (all optional but the purchase),
or from a :class:`~csp_rules.facts.Purchase` with :meth:`Timeline.from_purchase`, which reads the
window from the rule set (:func:`csp_rules._window.assess`), the link's expiry from
:class:`~csp_rules.links.DownloadLink` and the invoice from a credit. :meth:`Timeline.to_svg` is a
pure function of the value: no clock, no random identifiers (the element ids are derived from a
hash of the facts, so two drawings on one page never clash), no dependency beyond the standard
library, every text escaped. Every instant is shown in UTC; labels are English or French.
Notebooks show a timeline by itself (``_repr_svg_``).

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
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any, Final

import attrs

from . import _l10n, _time
from .errors import InvalidDateError, MissingFieldError
from .facts import Money, Purchase, clean_text

__all__ = ["Timeline", "timeline_svg"]

_DAY: Final = timedelta(days=1)

#: labels of the drawing, per language
_TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "purchase": "Purchase",
        "window": "Cancellation window",
        "link": "Download link",
        "cancellation": "Cancellation",
        "credit": "Credit",
        "at": "asked at {when}",
        "days": "{n} days",
        "day": "1 day",
        "downloads": "or {n} downloads",
        "ends": "ends {when}",
        "expires": "expires {when}",
        "on_invoice": "on the invoice of {when}",
        "d_title": "Timeline of a purchase",
        "d_purchase": "Purchased on {when}.",
        "d_window": "Cancellation window: {length}, ends {when}.",
        "d_window_nolen": "Cancellation window ends {when}.",
        "d_link": "Download link issued on {issued}, {length}, expires {when}.",
        "d_link_nolen": "Download link issued on {issued}, expires {when}.",
        "d_cancel": "Cancelled on {when}.",
        "d_cancel_in": "Cancelled on {when}, inside the cancellation window.",
        "d_cancel_out": "Cancelled on {when}, after the cancellation window.",
        "d_credit": "Credit on the invoice of {when}.",
        "d_credit_amount": "Credit of {amount} on the invoice of {when}.",
        "d_at": "Asked at {when}.",
        "utc": "times in UTC",
    },
    "fr": {
        "purchase": "Achat",
        "window": "Fenêtre d'annulation",
        "link": "Lien de téléchargement",
        "cancellation": "Annulation",
        "credit": "Avoir",
        "at": "question posée le {when}",
        "days": "{n} jours",
        "day": "1 jour",
        "downloads": "ou {n} téléchargements",
        "ends": "fin le {when}",
        "expires": "expire le {when}",
        "on_invoice": "sur la facture du {when}",
        "d_title": "Chronologie d'un achat",
        "d_purchase": "Achat le {when}.",
        "d_window": "Fenêtre d'annulation : {length}, fin le {when}.",
        "d_window_nolen": "Fin de la fenêtre d'annulation le {when}.",
        "d_link": "Lien de téléchargement émis le {issued}, {length}, expire le {when}.",
        "d_link_nolen": "Lien de téléchargement émis le {issued}, expire le {when}.",
        "d_cancel": "Annulation le {when}.",
        "d_cancel_in": "Annulation le {when}, dans la fenêtre d'annulation.",
        "d_cancel_out": "Annulation le {when}, après la fenêtre d'annulation.",
        "d_credit": "Avoir sur la facture du {when}.",
        "d_credit_amount": "Avoir de {amount} sur la facture du {when}.",
        "d_at": "Question posée le {when}.",
        "utc": "heures en UTC",
    },
}

# colours (GitHub Primer palette: readable on white, distinct for common colour blindness by shape too)
_INK: Final = "#1f2328"
_MUTED: Final = "#59636e"
_GRID: Final = "#d1d9e0"
_ZEBRA: Final = "#f6f8fa"
_COLOURS: Final[dict[str, tuple[str, str]]] = {  # row -> (stroke, fill)
    "purchase": ("#0969da", "#0969da"),
    "window": ("#1a7f37", "#dafbe1"),
    "link": ("#0969da", "#ddf4ff"),
    "cancellation": ("#cf222e", "#cf222e"),
    "credit": ("#8250df", "#8250df"),
}
_FONT: Final = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"


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


def _fmt(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC") if instant.year >= 1000 else instant.isoformat()


def _fmt_date(day: date) -> str:
    return day.isoformat()


def _whole_days(span: timedelta) -> int | None:
    return span.days if span > timedelta(0) and span == timedelta(days=span.days) else None


@attrs.frozen(kw_only=True)
class Timeline:
    """The facts of one purchase in time, drawn by :meth:`to_svg` (R7.1, R5.2, R8.4).

    Every instant is an aware ``datetime`` (stored in UTC) or a ``date`` (00:00 UTC that day);
    ``credit_invoice_date`` is a calendar date. All but ``purchased_at`` are optional; the link
    needs both ends or neither. Nothing may come before the purchase, and each interval must end
    after it starts (:class:`~csp_rules.errors.InvalidDateError` otherwise).

    ``lang`` (``"en"`` or ``"fr"``) is the language of the labels; ``title`` names the drawing
    (e.g. the order and the product).
    """

    purchased_at: datetime = attrs.field(converter=_purchased_at)
    window_end: datetime | None = attrs.field(default=None, converter=_window_end)
    link_issued_at: datetime | None = attrs.field(default=None, converter=_link_issued_at)
    link_expires_at: datetime | None = attrs.field(default=None, converter=_link_expires_at)
    link_download_cap: int | None = attrs.field(default=None, converter=_cap)
    cancelled_at: datetime | None = attrs.field(default=None, converter=_cancelled_at)
    credit_invoice_date: date | None = attrs.field(default=None, converter=_invoice_date)
    credit: Money | None = attrs.field(default=None, converter=_money)
    at: datetime | None = attrs.field(default=None, converter=_at)
    title: str | None = attrs.field(default=None, converter=_title)
    lang: str = attrs.field(default="en", converter=_lang)

    def __attrs_post_init__(self) -> None:
        if (self.link_issued_at is None) != (self.link_expires_at is None):
            missing = "link_expires_at" if self.link_expires_at is None else "link_issued_at"
            raise MissingFieldError(
                f"{missing}: give both link_issued_at and link_expires_at, or neither", field=missing
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

        * the cancellation window's end is read from the rule set (R7.1, R7.2; a kind without a
          window, such as perpetual software under S2018 or an Azure reservation, has none);
        * ``link``: a :class:`~csp_rules.links.DownloadLink`; its expiry and download cap come from
          the rule set in force when it was issued, or ``rules`` if given (R5.2);
        * ``credit``: a :class:`~csp_rules.billing.Credit` (its ``invoice_date`` and ``amount`` are
          drawn) or a :class:`~csp_rules.facts.Money` amount with ``invoice_date`` (R8.4);
        * ``cancelled_at`` and ``at`` (the instant the question is asked) are drawn as given.

        :raises TypeError: ``purchase`` is not a :class:`~csp_rules.facts.Purchase`.
        :raises NoRulesInForceError: the purchase predates the first rule set and ``rules`` is None.
        """
        from .cancellation import assess
        from .rulesets import resolve_rules

        if not isinstance(purchase, Purchase):
            raise TypeError(f"purchase: expected a Purchase, got {type(purchase).__name__}")
        ruleset = resolve_rules(rules, purchase.purchased_at.date())
        window_end = assess(purchase, ruleset).deadline
        issued = expires = None
        cap = None
        if link is not None:
            from .links import DownloadLink

            if not isinstance(link, DownloadLink):
                raise TypeError(f"link: expected a DownloadLink, got {type(link).__name__}")
            issued = link.issued_at
            expires = link.expires_at(rules)
            cap = resolve_rules(rules, link.issued_at.date()).links.download_cap
        amount: Money | None = None
        if isinstance(credit, Money) or credit is None:
            amount = credit
        elif hasattr(credit, "invoice_date") and hasattr(credit, "amount"):
            amount = credit.amount if isinstance(credit.amount, Money) else None
            if invoice_date is None:
                invoice_date = credit.invoice_date
        else:
            raise TypeError(f"credit: expected a Credit or Money, got {type(credit).__name__}")
        return cls(
            purchased_at=purchase.purchased_at,
            window_end=window_end,
            link_issued_at=issued,
            link_expires_at=expires,
            link_download_cap=cap,
            cancelled_at=cancelled_at,
            credit_invoice_date=invoice_date,
            credit=amount,
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
        if self.window_end is not None:
            days = _whole_days(self.window_end - self.purchased_at)
            if days is None:
                parts.append(t["d_window_nolen"].format(when=_fmt(self.window_end)))
            else:
                parts.append(t["d_window"].format(length=_days(t, days), when=_fmt(self.window_end)))
        if self.link_issued_at is not None and self.link_expires_at is not None:
            length = self._link_length(t)
            key = "d_link" if length else "d_link_nolen"
            parts.append(
                t[key].format(
                    issued=_fmt(self.link_issued_at), length=length, when=_fmt(self.link_expires_at)
                )
            )
        if self.cancelled_at is not None:
            key = "d_cancel"
            if self.window_end is not None:
                key = "d_cancel_in" if self.cancelled_at < self.window_end else "d_cancel_out"
            parts.append(t[key].format(when=_fmt(self.cancelled_at)))
        if self.credit_invoice_date is not None:
            when = _fmt_date(self.credit_invoice_date)
            if self.credit is not None:
                parts.append(t["d_credit_amount"].format(amount=self._amount(language), when=when))
            else:
                parts.append(t["d_credit"].format(when=when))
        if self.at is not None:
            parts.append(t["d_at"].format(when=_fmt(self.at)))
        return _wrap(" ".join(parts))

    def _link_length(self, t: dict[str, str]) -> str:
        assert self.link_issued_at is not None and self.link_expires_at is not None
        days = _whole_days(self.link_expires_at - self.link_issued_at)
        length = "" if days is None else _days(t, days)
        if self.link_download_cap is not None:
            extra = t["downloads"].format(n=self.link_download_cap)
            length = f"{length} {extra}" if length else extra
        return length

    def _amount(self, lang: str) -> str:
        assert self.credit is not None
        return self.credit.format(lang)

    # --- drawing -----------------------------------------------------------------------------

    def to_svg(self, *, width: int = 720) -> str:
        """The timeline as a standalone SVG document (a string), ``width`` pixels wide (400 to 4000).

        Deterministic: the same timeline always gives the same string.
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


def _days(t: dict[str, str], n: int) -> str:
    return t["day"] if n == 1 else t["days"].format(n=n)


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

    Shorthand for ``Timeline(...).to_svg(width=width)``.

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


# --- rendering -----------------------------------------------------------------------------------

_LEFT: Final = 16  # left margin of the row labels
_LABELS: Final = 176  # width of the row-label column
_RIGHT: Final = 24
_ROW: Final = 34
_FS: Final = 13  # font size of labels
_TICK_FS: Final = 11
_MIN_TICK_GAP: Final = 84  # pixels between axis labels (a date is ~62 px at 11 px)


def _text_width(text: str, size: int) -> float:
    """A deterministic estimate of the rendered width of ``text`` (sans-serif, ``size`` px)."""
    narrow = sum(1 for c in text if c in " .,:;'ilj|!()[]/-·")
    wide = sum(1 for c in text if c in "MWmw@%")
    return size * (0.61 * (len(text) - narrow - wide) + 0.33 * narrow + 0.9 * wide)


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


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _label(
    x: float,
    y: float,
    text: str,
    *,
    size: int = _FS,
    fill: str = _INK,
    anchor: str = "start",
    weight: str = "",
    halo: str = "",
) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    head = f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}'
    body = f"{escape(text, quote=True)}</text>"
    under = ""
    if halo:  # the same text stroked in the background colour underneath, so grid lines do not cross it
        under = f'{head} fill="{halo}" stroke="{halo}" stroke-width="4" stroke-linejoin="round" aria-hidden="true">{body}'
    return f'{under}{head} fill="{fill}">{body}'


def _beside(x: float, y: float, text: str, limits: tuple[float, float], halo: str) -> str:
    """A label next to a point: on its right when it fits, else on its left, else where there is more room."""
    left_limit, right_limit = limits
    w = _text_width(text, _FS)
    if x + 10 + w <= right_limit:
        return _label(x + 10, y, text, halo=halo)
    if x - 10 - w >= left_limit:
        return _label(x - 10, y, text, anchor="end", halo=halo)
    if right_limit - x >= x - left_limit:
        return _label(x + 10, y, text, halo=halo)
    return _label(x - 10, y, text, anchor="end", halo=halo)


def _diamond(x: float, y: float, colour: str) -> str:
    r = 6.5
    return (
        f'<path d="M{x:.1f} {y - r:.1f} L{x + r:.1f} {y:.1f} L{x:.1f} {y + r:.1f} L{x - r:.1f} {y:.1f} Z" '
        f'fill="{colour}" stroke="#ffffff" stroke-width="1.5"/>'
    )


def _bar(
    scale: _Scale,
    start: datetime,
    end: datetime,
    place: tuple[float, str],
    row: str,
    text: str,
    limits: tuple[float, float],
) -> Iterator[str]:
    y, halo = place
    stroke, fill = _COLOURS[row]
    xa, xb = scale.x(start), scale.x(end)
    h = 18
    yield (
        f'<rect x="{xa:.1f}" y="{y - h / 2:.1f}" width="{max(xb - xa, 1.5):.1f}" height="{h}" rx="3" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="1.2"/>'
    )
    yield f'<line x1="{xb:.1f}" y1="{y - h / 2 - 4:.1f}" x2="{xb:.1f}" y2="{y + h / 2 + 4:.1f}" stroke="{stroke}" stroke-width="2.5"/>'
    w = _text_width(text, _FS)
    if w + 16 <= xb - xa:
        yield _label(xa + 8, y + 4.5, text, fill=stroke if row != "link" else "#0550ae")
    else:
        yield _beside(xb, y + 4.5, text, limits, halo)


def _render(tl: Timeline, width: int) -> str:
    t = _TEXT[tl.lang]
    ident = tl.ident()
    x0 = float(_LEFT + _LABELS)
    x1 = float(width - _RIGHT)
    instants = [tl.purchased_at]
    for value in (tl.window_end, tl.link_issued_at, tl.link_expires_at, tl.cancelled_at, tl.at):
        if value is not None:
            instants.append(value)
    invoice = None
    if tl.credit_invoice_date is not None:
        invoice = datetime.combine(tl.credit_invoice_date, time(0), tzinfo=_time.UTC)
        instants.append(invoice)
    lo, hi = _bounds(instants)
    scale = _Scale(lo, hi, x0, x1)
    limits = (x0 - 4, float(width - 6))

    top = 30.0
    heading = tl.title or t["d_title"]
    body: list[str] = []
    body.append(_label(_LEFT, 22, _clip(heading, width - 2 * _LEFT, 15), size=15, weight="600"))
    if tl.at is not None:
        top += 18
    rows: list[tuple[str, float]] = []
    y = top + _ROW / 2 + 4

    def row(name: str) -> tuple[float, str]:
        nonlocal y
        here = y
        rows.append((name, here))
        y += _ROW
        return here, _ZEBRA if len(rows) % 2 else "#ffffff"

    marks: list[str] = []
    ry, halo = place = row("purchase")
    marks.append(_diamond(scale.x(tl.purchased_at), ry, _COLOURS["purchase"][0]))
    marks.append(_beside(scale.x(tl.purchased_at), ry + 4.5, _fmt(tl.purchased_at), limits, halo))
    if tl.window_end is not None:
        place = row("window")
        days = _whole_days(tl.window_end - tl.purchased_at)
        text = t["ends"].format(when=_fmt(tl.window_end))
        if days is not None:
            text = f"{_days(t, days)} · {text}"
        marks.extend(_bar(scale, tl.purchased_at, tl.window_end, place, "window", text, limits))
    if tl.link_issued_at is not None and tl.link_expires_at is not None:
        place = row("link")
        length = tl._link_length(t)
        text = t["expires"].format(when=_fmt(tl.link_expires_at))
        if length:
            text = f"{length} · {text}"
        marks.extend(_bar(scale, tl.link_issued_at, tl.link_expires_at, place, "link", text, limits))
    if tl.cancelled_at is not None:
        ry, halo = row("cancellation")
        marks.append(_diamond(scale.x(tl.cancelled_at), ry, _COLOURS["cancellation"][0]))
        marks.append(_beside(scale.x(tl.cancelled_at), ry + 4.5, _fmt(tl.cancelled_at), limits, halo))
    if invoice is not None:
        assert tl.credit_invoice_date is not None
        ry, halo = row("credit")
        text = t["on_invoice"].format(when=_fmt_date(tl.credit_invoice_date))
        if tl.credit is not None:
            text = f"{tl._amount(tl.lang)} {text}"
        marks.append(_diamond(scale.x(invoice), ry, _COLOURS["credit"][0]))
        marks.append(_beside(scale.x(invoice), ry + 4.5, text, limits, halo))

    rows_top = top + 4
    rows_bottom = y - _ROW / 2
    axis_y = rows_bottom + 6

    # zebra background and row labels
    for i, (name, ry) in enumerate(rows):
        if i % 2 == 0:
            body.append(
                f'<rect x="{_LEFT - 6}" y="{ry - _ROW / 2:.1f}" width="{width - 2 * _LEFT + 12}" height="{_ROW}" fill="{_ZEBRA}"/>'
            )
        body.append(_label(_LEFT, ry + 4.5, t[name], fill=_INK))

    # axis with ticks and vertical grid lines
    limit = max(2, int((x1 - x0) // _MIN_TICK_GAP))
    body.append(
        f'<line x1="{x0:.1f}" y1="{axis_y:.1f}" x2="{x1:.1f}" y2="{axis_y:.1f}" stroke="{_MUTED}" stroke-width="1"/>'
    )
    for instant, text in _ticks(lo, hi, limit):
        x = scale.x(instant)
        body.append(
            f'<line x1="{x:.1f}" y1="{rows_top:.1f}" x2="{x:.1f}" y2="{axis_y:.1f}" stroke="{_GRID}" stroke-width="1"/>'
        )
        body.append(
            f'<line x1="{x:.1f}" y1="{axis_y:.1f}" x2="{x:.1f}" y2="{axis_y + 5:.1f}" stroke="{_MUTED}" stroke-width="1"/>'
        )
        body.append(_label(x, axis_y + 18, text, size=_TICK_FS, fill=_MUTED, anchor="middle"))
    body.append(_label(x1, axis_y + 34, t["utc"], size=_TICK_FS, fill=_MUTED, anchor="end"))

    # the end of the window and the cancellation, as guides across every row
    if tl.window_end is not None:
        x = scale.x(tl.window_end)
        body.append(
            f'<line x1="{x:.1f}" y1="{rows_top:.1f}" x2="{x:.1f}" y2="{axis_y:.1f}" stroke="{_COLOURS["window"][0]}" '
            f'stroke-width="1" stroke-dasharray="2 3"/>'
        )
    if tl.cancelled_at is not None:
        x = scale.x(tl.cancelled_at)
        body.append(
            f'<line x1="{x:.1f}" y1="{rows_top:.1f}" x2="{x:.1f}" y2="{axis_y:.1f}" stroke="{_COLOURS["cancellation"][0]}" '
            f'stroke-width="1" stroke-dasharray="2 3"/>'
        )
    body.extend(marks)
    if tl.at is not None:
        x = scale.x(tl.at)
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 6:.1f}" x2="{x:.1f}" y2="{axis_y:.1f}" stroke="{_INK}" '
            f'stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
        text = t["at"].format(when=_fmt(tl.at))
        w = _text_width(text, _TICK_FS + 1)
        anchor, tx = "middle", x
        if x + w / 2 > width - 6:
            anchor, tx = "end", x + 4
        elif x - w / 2 < x0 - 4:
            anchor, tx = "start", x - 4
        body.append(_label(tx, top - 10, text, size=_TICK_FS + 1, fill=_INK, anchor=anchor))

    height = int(axis_y + 44)
    title = heading
    desc = tl.describe()
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="{_attr(_FONT)}" class="csp-timeline" lang="{tl.lang}">'
        f'<title id="{ident}-title">{escape(title, quote=True)}</title>'
        f'<desc id="{ident}-desc">{escape(desc, quote=True)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>"
    )


def _clip(text: str, pixels: float, size: int) -> str:
    if _text_width(text, size) <= pixels:
        return text
    keep = max(1, int(pixels / (size * 0.61)) - 1)
    return text[:keep].rstrip() + "…"
