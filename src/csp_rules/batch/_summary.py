"""What a table of :func:`csp_rules.batch.evaluate` results says, in a few numbers: :class:`Summary`.

:func:`summarize` reads a result table (or record batch) once, column-wise; two summaries add up
(``a + b`` is the summary of the rows of ``a`` then those of ``b``), so a file read in blocks is
summarised block by block, as ``csp-rules evaluate`` does. A summary is a frozen value: it compares,
hashes and pickles by value, prints in English or French (:meth:`Summary.text`), gives its facts as
JSON (:meth:`Summary.to_dict`: amounts as exact decimal text) and shows itself in a notebook
(``_repr_html_``).

Credit totals are exact: summed as ``decimal256`` per table and as :class:`~decimal.Decimal` across
tables, however many rows, then rounded once to the currency's minor unit when shown. They are what
the rules would give back **if every row were cancelled at the instant evaluated at** (R8.4), not
credits due.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from html import escape
from typing import Any, Final

import attrs
import pyarrow as pa
import pyarrow.compute as pc

from .. import _l10n
from .._frozen import FrozenMap
from ..rulesets import RuleChain, Rules, RuleSet, shipped_chain
from ._read import int_scalar, numbers, strings, text_scalar  # no pa.array / pa.scalar: they import pandas

__all__ = ["Summary", "summarize"]

#: a decimal context wide enough for any sum of result amounts (no rounding, no overflow)
_EXACT: Final = Context(prec=200, Emax=10**6, Emin=-(10**6))
_ROW_TYPES: Final = ("purchase", "renewal", "credit", "other")


def _counts(items: Iterable[tuple[Any, int]]) -> FrozenMap[Any, int]:
    counter: Counter[Any] = Counter()
    for key, count in items:
        counter[key] += count
    return FrozenMap(dict(sorted(counter.items(), key=lambda kv: str(kv[0]))))


def _sorted(mapping: Mapping[str, Any]) -> FrozenMap[str, Any]:
    return FrozenMap(dict(sorted(mapping.items())))


def _add(a: Mapping[Any, int], b: Mapping[Any, int]) -> FrozenMap[Any, int]:
    return _counts([*a.items(), *b.items()])


@attrs.frozen(kw_only=True)
class Summary:
    """Counts of a table of results: rows, line types, kinds by evidence, outcomes, support requests by
    reason, versions, exact credit totals per currency, errors with the first row of each, and the rows
    whose dates the rules are unsure of (R11.3) or were not checked for (R11.4).

    ``examples`` maps an error code to ``(row, message)``: the first row (counted from 1) with that
    code and its message. ``verified_until`` lists the verified-until dates of the versions that judged
    the rows flagged ``rules.unverified_after``.
    """

    rows: int = 0
    row_types: FrozenMap[str, int] = attrs.field(factory=FrozenMap)
    kinds: FrozenMap[tuple[str | None, str | None], int] = attrs.field(factory=FrozenMap)
    outcomes: FrozenMap[str, int] = attrs.field(factory=FrozenMap)
    support: FrozenMap[str, int] = attrs.field(factory=FrozenMap)
    versions: FrozenMap[str, int] = attrs.field(factory=FrozenMap)
    credits: FrozenMap[str, Decimal] = attrs.field(factory=FrozenMap)
    credit_rows: FrozenMap[str, int] = attrs.field(factory=FrozenMap)
    errors: FrozenMap[str, int] = attrs.field(factory=FrozenMap)
    examples: FrozenMap[str, tuple[int, str]] = attrs.field(factory=FrozenMap)
    unverified: int = 0
    uncertain: int = 0
    verified_until: tuple[date, ...] = ()
    evaluated_at: datetime | None = None
    #: the first day of each version in :attr:`versions` (its ``in_force_from``)
    version_starts: FrozenMap[str, date] = attrs.field(factory=FrozenMap)

    def __add__(self, other: object) -> Summary:
        if not isinstance(other, Summary):
            return NotImplemented
        examples = dict(self.examples)
        for code, (row, message) in other.examples.items():
            examples.setdefault(code, (self.rows + row, message))
        with localcontext(_EXACT):
            credits = {c: self.credits.get(c, Decimal(0)) + other.credits.get(c, Decimal(0))
                       for c in {*self.credits, *other.credits}}  # fmt: skip
        return Summary(
            rows=self.rows + other.rows,
            row_types=_add(self.row_types, other.row_types),
            kinds=_add(self.kinds, other.kinds),
            outcomes=_add(self.outcomes, other.outcomes),
            support=_add(self.support, other.support),
            versions=_add(self.versions, other.versions),
            credits=_sorted(credits),
            credit_rows=_add(self.credit_rows, other.credit_rows),
            errors=_add(self.errors, other.errors),
            examples=_sorted(examples),
            unverified=self.unverified + other.unverified,
            uncertain=self.uncertain + other.uncertain,
            verified_until=tuple(sorted({*self.verified_until, *other.verified_until})),
            evaluated_at=self.evaluated_at or other.evaluated_at,
            version_starts=_sorted({**self.version_starts, **other.version_starts}),
        )

    @property
    def rows_in_error(self) -> int:
        return sum(self.errors.values())

    def credit_totals(self) -> dict[str, Decimal]:
        """Each currency's total, rounded once (half up) to its minor unit."""
        from ..facts import currency_digits

        totals = {}
        with localcontext(_EXACT):
            for currency, amount in self.credits.items():
                unit = Decimal(1).scaleb(-currency_digits(currency))
                totals[currency] = amount.quantize(unit, rounding=ROUND_HALF_UP)
        return totals

    def to_dict(self) -> dict[str, Any]:
        """The facts as JSON-able values: amounts as exact decimal text, instants in ISO 8601."""
        from . import OUTCOMES

        kinds: dict[str, dict[str, int]] = {}
        for (source, kind), count in self.kinds.items():
            kinds.setdefault(source or "none", {})[kind or "none"] = count
        totals = self.credit_totals()
        return {
            "rows": self.rows,
            "evaluated_at": None if self.evaluated_at is None else _iso(self.evaluated_at),
            "rules_versions": dict(self.versions),
            "rules_versions_from": {v: d.isoformat() for v, d in self.version_starts.items()},
            "row_types": {k: self.row_types[k] for k in _ROW_TYPES if self.row_types.get(k)},
            "kinds_by_source": kinds,
            "outcomes": {o: self.outcomes[o] for o in OUTCOMES if self.outcomes.get(o)},
            "support_request_by_reason": dict(Counter(dict(self.support)).most_common()),
            "credits_if_cancelled_at": {
                c: {"amount": str(totals[c]), "rows": self.credit_rows[c]} for c in sorted(totals)
            },
            "errors": {
                code: {
                    "rows": count,
                    "example": {"row": self.examples[code][0], "message": self.examples[code][1]},
                }
                for code, count in Counter(dict(self.errors)).most_common()
            },
            "rows_in_error": self.rows_in_error,
            "unverified_rows": self.unverified,
            "uncertain_rows": self.uncertain,
            "verified_until": [d.isoformat() for d in self.verified_until],
        }

    def text(self, lang: str = "en", *, line_of: Callable[[int], int | None] | None = None) -> list[str]:
        """The summary as lines of text in ``lang`` (``en`` or ``fr``): versions with their dates, line
        types, kinds and their evidence, outcomes (support requests by reason), credits if every row
        were cancelled at the instant evaluated at, errors with an example each. ``line_of`` gives the
        file line of a row (the line an editor shows), for the examples."""
        from ..cancellation import Outcome
        from ..decision import format_value, outcome_label
        from . import OUTCOMES

        lang = _l10n.language(lang)
        t = _TEXT[lang]
        num = _number(lang)
        out: list[str] = []
        if self.versions:
            out.append(t["versions"])
            for version, count in self.versions.items():
                since = self.version_starts.get(version)
                when = t["since"].format(day=since.isoformat()) if since else ""
                out.append(f"  {version + when:<36}  {num(count):>9}  {_rows(t, lang, count)}")
        if self.unverified:
            days = t["or"].join(format_value(d, lang) for d in self.verified_until) or "?"
            out.append(
                "  "
                + _plural(t["unverified"], self.unverified, lang).format(n=num(self.unverified), day=days)
            )
        if self.uncertain:
            out.append("  " + _plural(t["uncertain"], self.uncertain, lang).format(n=num(self.uncertain)))
        if set(self.row_types) - {"purchase"}:
            out.append(t["lines"])
            for line in _ROW_TYPES:
                if self.row_types.get(line):
                    out.append(f"  {line:<22}  {num(self.row_types[line]):>9}  {t['line'][line]}")
        if self.kinds:
            out.append(t["kinds"])
            for (source, kind), count in sorted(self.kinds.items(), key=lambda kv: (-kv[1], str(kv[0]))):
                label = kind or t["no_kind"]
                out.append(f"  {label:<22}  {num(count):>9}  {t['source'].get(source, source)}")
        out.append(t["outcomes"])
        width = max(len(o) for o in OUTCOMES)
        for outcome in OUTCOMES:
            if self.outcomes.get(outcome):
                label = outcome_label(Outcome(outcome), lang)
                out.append(f"  {outcome:<{width}}  {num(self.outcomes[outcome]):>9}  {label}")
            if outcome == "support_request":
                for code, count in Counter(dict(self.support)).most_common():
                    out.append(f"    {num(count):>9}  {code}")
        at = "?" if self.evaluated_at is None else format_value(self.evaluated_at, lang)
        out.append(t["credits"].format(at=at))
        totals = self.credit_totals()
        if not totals:
            out.append(f"  {t['no_credits']}")
        for currency in sorted(totals):
            shown = _l10n.format_money(totals[currency], currency, lang)
            count = self.credit_rows[currency]
            out.append(f"  {currency}  {shown:>20}  ({num(count)} {_rows(t, lang, count)})")
        total = self.rows_in_error
        out.append(_plural(t["errors"], total, lang).format(n=num(total)) if total else t["no_errors"])
        code_width = max((len(c) for c in self.errors), default=0)
        for code, count in Counter(dict(self.errors)).most_common():
            row, message = self.examples[code]
            file_line = None if line_of is None else line_of(row)
            if file_line is not None:
                example = t["example"].format(line=num(file_line), message=message)
            else:
                example = t["example_row"].format(row=num(row), message=message)
            out.append(f"  {code:<{code_width}}  {num(count):>7}  {example[:160]}")
        return out

    def _repr_html_(self) -> str:
        """A notebook's view: the same sections as tables (English)."""
        from ..cancellation import Outcome
        from ..decision import outcome_label
        from . import OUTCOMES

        num = _number("en")

        def table(title: str, rows: list[tuple[str, str, str]]) -> str:
            body = "".join(
                f"<tr><td><code>{escape(a)}</code></td><td style='text-align:right'>{escape(b)}</td>"
                f"<td>{escape(c)}</td></tr>"
                for a, b, c in rows
            )
            return f"<tr><th colspan='3' style='text-align:left'>{escape(title)}</th></tr>{body}"

        t = _TEXT["en"]
        lines = [(k, num(self.row_types[k]), t["line"][k]) for k in _ROW_TYPES if self.row_types.get(k)]
        outcomes = [
            (o, num(self.outcomes[o]), outcome_label(Outcome(o), "en"))
            for o in OUTCOMES
            if self.outcomes.get(o)
        ]
        credits = [
            (
                c,
                _l10n.format_money(a, c, "en"),
                f"{num(self.credit_rows[c])} {_rows(t, 'en', self.credit_rows[c])}",
            )
            for c, a in sorted(self.credit_totals().items())
        ]
        errors = [(c, num(n), self.examples[c][1][:120]) for c, n in self.errors.items()]
        parts = [
            table("Rule versions", [(v, num(c), _rows(t, "en", c)) for v, c in self.versions.items()]),
            table("Lines (ChargeType)", lines),
            table("Cancellation outcomes", outcomes),
            table("Credits if every row were cancelled (R8.4)", credits),
            table("Rows in error", errors),
        ]
        head = f"<b>{num(self.rows)} rows</b>"
        if self.unverified:
            head += f" · {num(self.unverified)} judged after the rules were last checked (R11.4)"
        return f"<div>{head}<table>{''.join(parts)}</table></div>"


def _instant(column: pa.ChunkedArray) -> datetime | None:
    """The first instant of a column of UTC timestamps (``as_py`` of one imports pandas when it is installed)."""
    from datetime import timedelta, timezone

    if column.null_count == len(column):
        return None
    us = numbers(pc.drop_null(column).cast(pa.timestamp("us", tz="UTC")))
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=int(us.min()))


def summarize(result: pa.Table | pa.RecordBatch, *, rules: Rules | None = None) -> Summary:
    """The :class:`Summary` of a table of :func:`csp_rules.batch.evaluate` results (its
    :data:`~csp_rules.batch.RESULT_COLUMNS` read column-wise). ``rules``: the rules the rows were
    judged by (default the shipped chain), for the verified-until dates of R11.4."""
    if isinstance(result, pa.RecordBatch):
        result = pa.Table.from_batches([result])
    if not isinstance(result, pa.Table):
        raise TypeError(f"result: expected a pyarrow Table of batch results, got {type(result).__name__}")
    if rules is not None and not isinstance(rules, (RuleSet, RuleChain)):
        raise TypeError(f"rules: expected a RuleSet or a RuleChain, got {type(rules).__name__}")
    col = result.column

    def counts(name: str, table: pa.Table | None = None) -> FrozenMap[str, int]:
        column = (table or result).column(name)
        return _counts(
            (i["values"], i["counts"]) for i in pc.value_counts(column).to_pylist() if i["values"] is not None
        )

    errors = counts("error_code")
    examples = {}
    for code in errors:
        first = pc.index(col("error_code"), text_scalar(code)).as_py()
        examples[code] = (first + 1, col("error_message")[first].as_py())
    judged = pc.is_in(col("row_type"), strings(["purchase", "renewal"]))
    kinds_table = pa.table({"s": col("kind_source"), "k": col("kind")}).filter(judged)
    # (source, kind) pairs counted as one text each (Table.group_by imports pandas when it is installed)
    pairs = pc.binary_join_element_wise(
        kinds_table.column("s"), kinds_table.column("k"), text_scalar("\x1f"), null_handling="emit_null"
    )
    kinds = _counts(
        ((None, None) if i["values"] is None else tuple(i["values"].split("\x1f", 1)), i["counts"])
        for i in pc.value_counts(pairs).to_pylist()
    )
    support: FrozenMap[str, int] = FrozenMap()
    is_support = pc.equal(col("cancellation_outcome"), text_scalar("support_request"))
    if pc.any(is_support).as_py():
        main = pc.list_element(
            pc.split_pattern(col("reasons").filter(is_support), " ", max_splits=1), int_scalar(0)
        )
        support = _counts((i["values"], i["counts"]) for i in pc.value_counts(main).to_pylist())
    reasons = col("reasons")
    unverified_rows = pc.match_substring(reasons, "rules.unverified_after")
    unverified = int(pc.sum(unverified_rows).as_py() or 0)
    uncertain = int(pc.sum(pc.match_substring(reasons, "rules.change_date_uncertain")).as_py() or 0)
    chain = rules or shipped_chain()
    known = (chain,) if isinstance(chain, RuleSet) else chain.versions
    versions = counts("rules_version")
    starts = {v.version: v.in_force_from for v in known if v.version in versions}
    verified: tuple[date, ...] = ()
    if unverified:
        flagged = {v for v in col("rules_version").filter(unverified_rows).to_pylist() if v}
        verified = tuple(
            sorted({v.verified_until for v in known if v.version in flagged and v.verified_until})
        )
    credits: dict[str, Decimal] = {}
    credit_rows: dict[str, int] = {}
    amounts = result.select(["credit_currency", "credit_amount"]).filter(pc.is_valid(col("credit_amount")))
    if amounts.num_rows:
        amount = amounts.column("credit_amount")
        if pa.types.is_decimal128(amount.type):  # decimal256 (76 digits): a decimal128 sum wraps past 38
            amounts = amounts.set_column(
                1, "credit_amount", pc.cast(amount, pa.decimal256(76, amount.type.scale))
            )
        currency = amounts.column("credit_currency")
        for code in pc.unique(currency).to_pylist():  # a few currencies (no group_by: it imports pandas)
            mine = pc.is_null(currency) if code is None else pc.equal(currency, text_scalar(code))
            selected = amounts.column("credit_amount").filter(mine)  # a null drops the row
            credits[code] = pc.sum(selected).as_py()
            credit_rows[code] = len(selected)
    at = None
    if "evaluated_at" in result.column_names and result.num_rows:
        at = _instant(col("evaluated_at"))
    return Summary(
        rows=result.num_rows,
        row_types=counts("row_type"),
        kinds=kinds,
        outcomes=counts("cancellation_outcome"),
        support=support,
        versions=versions,
        credits=_sorted(credits),
        credit_rows=_sorted(credit_rows),
        errors=errors,
        examples=_sorted(examples),
        unverified=unverified,
        uncertain=uncertain,
        verified_until=verified,
        evaluated_at=at,
        version_starts=_sorted(starts),
    )


# --- text ------------------------------------------------------------------------------------


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def _number(lang: str) -> Callable[[int], str]:
    return lambda n: _l10n.format_number(n, lang)


def _plural(template: str, n: int, lang: str) -> str:
    from ..decision import _plurals

    return _plurals(template, {"n": n}, lang)


def _rows(t: Mapping[str, Any], lang: str, n: int) -> str:
    return str(t["row_one"] if _l10n.plural_form(n, lang) == "one" else t["row_other"])


_TEXT: Final[dict[str, dict[str, Any]]] = {
    "en": {
        "versions": "Rule versions that judged the rows",
        "since": " (from {day})",
        "row_one": "row",
        "row_other": "rows",
        "or": " or ",
        "unverified": "Warning: {n, plural, one {# row was} other {# rows were}} judged by rules last checked "
        "against the sources on {day} (their purchase or term start is later); later changes are not known "
        "(R11.4, reason rules.unverified_after).",
        "uncertain": "Note: for {n, plural, one {# row} other {# rows}} the date of a rule change is uncertain "
        "and the other version answers otherwise (R11.3, reason rules.change_date_uncertain).",
        "lines": "Lines (ChargeType)",
        "line": {
            "purchase": "purchases, judged",
            "renewal": "renewals, judged from their term's start (R11.2)",
            "credit": "credit lines, not judged",
            "other": "other lines, not judged",
        },
        "kinds": "Kinds, and what told them",
        "no_kind": "(not told)",
        "source": {
            "kind": "the kind column",
            "reservation_order_id": "a ReservationOrderId",
            "reservation_name": "reservation wording in a name",
            "software_plan_name": "a software-plan name",
            "term": "a term in TermAndBillingCycle",
            "one_time_term": "TermAndBillingCycle One-Time, Perpetual or None",
            "blank_term_no_end": "no term and no ChargeEndDate",
            None: "nothing (error.unknown_kind)",
        },
        "outcomes": "Cancellation outcomes",
        "credits": "Credits the rules would give if every row were cancelled at {at} (R8.4; not credits due)",
        "no_credits": "none",
        "errors": "Rows in error: {n}",
        "no_errors": "Rows in error: none",
        "example": "e.g. line {line}: {message}",
        "example_row": "e.g. row {row}: {message}",
    },
    "fr": {
        "versions": "Versions des règles qui ont jugé les lignes",
        "since": " (depuis le {day})",
        "row_one": "ligne",
        "row_other": "lignes",
        "or": " ou ",
        "unverified": "Attention : {n, plural, one {# ligne a été jugée} other {# lignes ont été jugées}} selon "
        "des règles vérifiées pour la dernière fois dans les sources le {day} (leur achat ou leur début de "
        "période est postérieur) ; les changements ultérieurs ne sont pas connus (R11.4, raison "
        "rules.unverified_after).",
        "uncertain": "Remarque : pour {n, plural, one {# ligne} other {# lignes}}, la date d'un changement de "
        "règle est incertaine et l'autre version répond autrement (R11.3, raison rules.change_date_uncertain).",
        "lines": "Lignes (ChargeType)",
        "line": {
            "purchase": "achats, jugés",
            "renewal": "renouvellements, jugés depuis le début de leur durée (R11.2)",
            "credit": "lignes de crédit, non jugées",
            "other": "autres lignes, non jugées",
        },
        "kinds": "Types de produit, et ce qui les a indiqués",
        "no_kind": "(non indiqué)",
        "source": {
            "kind": "la colonne kind",
            "reservation_order_id": "un ReservationOrderId",
            "reservation_name": "un nom de réservation",
            "software_plan_name": "un nom de plan logiciel",
            "term": "une durée dans TermAndBillingCycle",
            "one_time_term": "TermAndBillingCycle One-Time, Perpetual ou None",
            "blank_term_no_end": "ni durée ni ChargeEndDate",
            None: "rien (error.unknown_kind)",
        },
        "outcomes": "Annulation",
        "credits": "Crédits que donneraient les règles si chaque ligne était annulée le {at} (R8.4 ; "
        "pas des crédits dus)",
        "no_credits": "aucun",
        "errors": "Lignes en erreur : {n}",
        "no_errors": "Lignes en erreur : aucune",
        "example": "p. ex. ligne {line} : {message}",
        "example_row": "p. ex. enregistrement {row} : {message}",
    },
}
