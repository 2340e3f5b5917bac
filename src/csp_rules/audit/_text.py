"""Amounts in words for :mod:`csp_rules.audit`'s explanations, fast: babel's currency pattern of a locale,
compiled once per currency and checked against babel on sample amounts before it is used.

Private. babel formats an amount in ~30 µs; an audit writes a few per credit row. Here, for each
``(currency, locale)``, two probes formatted by babel (a positive and a negative amount) give the
text before and after the number, the group and decimal separators; the compiled formatter is used
only if it writes every sample exactly as babel does, else babel answers every time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Final

from .. import _l10n
from ..facts import currency_digits

_LOCK: Final = threading.Lock()
_CACHE: dict[tuple[str, str], Callable[[Decimal], str]] = {}
_SAMPLES: Final = ("0", "0.05", "1", "7.5", "999.99", "1000", "1234.5", "123456.78", "1000000", "-0.2", "-4.3",
                   "-1234.56", "-1000000.01")  # fmt: skip


def _parts(text: str, number: str) -> tuple[str, str, str] | None:
    """``(before, middle, after)`` of a formatted probe whose digits are ``number``'s."""
    first = next((i for i, ch in enumerate(text) if ch.isdigit()), None)
    last = next((i for i in range(len(text) - 1, -1, -1) if text[i].isdigit()), None)
    if first is None or last is None:
        return None
    middle = text[first : last + 1]
    if "".join(ch for ch in middle if ch.isdigit()) != number:
        return None
    return text[:first], middle, text[last + 1 :]


def _compile(currency: str, locale: str) -> Callable[[Decimal], str]:
    digits = currency_digits(currency)
    babel: Callable[[Decimal], str] = lambda amount: _l10n.format_money(amount, currency, locale)  # noqa: E731
    number = "1234567" + "89"[:digits] + "0" * max(digits - 2, 0)
    probe = Decimal(number).scaleb(-digits)
    pos = _parts(babel(probe), number)
    neg = _parts(babel(-probe), number)
    if pos is None or neg is None or pos[1] != neg[1]:
        return babel
    middle = pos[1]
    group = middle[1 : middle.index("234")]
    decimal_sep = middle[middle.index("567") + 3 : len(middle) - digits] if digits else ""
    quantum = Decimal(1).scaleb(-digits)

    def fast(amount: Decimal) -> str:
        if amount != amount.quantize(quantum):
            return babel(amount)
        negative = amount < 0
        units = int(abs(amount).scaleb(digits))
        whole, frac = divmod(units, 10**digits)
        text = f"{whole:,}".replace(",", group)
        if digits:
            text += decimal_sep + str(frac).rjust(digits, "0")
        before, _, after = neg if negative and units else pos
        return before + text + after

    if all(fast(Decimal(s)) == babel(Decimal(s)) for s in _SAMPLES):
        return fast
    return babel


def money(amount: Decimal, currency: str, locale: str) -> str:
    """``amount`` in ``currency`` as babel writes it in ``locale`` (``'€94.20'``, ``'94,20\xa0€'``).

    Called inside the audit's exact decimal context (:func:`csp_rules.audit.audit` and the report's
    methods set it), never the caller's."""
    key = (currency, locale)
    fn = _CACHE.get(key)
    if fn is None:
        with _LOCK:
            fn = _compile(currency, locale)
            if len(_CACHE) < 1024:
                _CACHE[key] = fn
    return fn(amount)
