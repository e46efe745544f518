"""Recompute recorded sized records and decisions with the pure core and compare them.

Stage 1 is recomputed against the entries each sized record's lineage names; stage 2 on books
folded in the order the worker applied the sized records: per sized partition, by offset, the
first copy of each decision (a copy that comes again is fenced by its trigger).
"""

from dataclasses import dataclass, field
from typing import Any

import orjson

from himari_l3.audit.books import fold_books
from himari_l3.audit.entry_history import EntryHistory
from himari_l3.audit.recorded import Recorded, by_offset
from himari_l3.audit.selection import EVERYTHING, Selection
from schemas.config import Layer3Config
from schemas.messages import TacticalSignal
from schemas.topics import CONTRACT, Topic
from sizing import records, state_updates, strategy_sizing
from sizing.portfolio_book import PortfolioBook
from sizing.refs import InputRef
from sizing.strategy_sizing import SymbolView
from streams.decoding import decode

# Everything but the signals; the control topic's resets are kept, not folded (audit.resets).
STATE_TOPICS = (
    Topic.ONCHAIN, Topic.REGIME, Topic.SENTIMENT, Topic.OUTCOMES, Topic.PORTFOLIO, Topic.CONTROL
)  # fmt: skip
UNAUDITED = frozenset({"processed_at_ns"})  # wall clock: the one field an audit ignores


@dataclass
class Comparison:
    """Recorded answers against recomputed ones, by decision id."""

    checked: int = 0
    identical: int = 0
    different: dict[str, list[str]] = field(default_factory=dict)  # id → fields that differ
    missing: list[str] = field(default_factory=list)  # recomputed, never recorded
    extra: list[str] = field(default_factory=list)  # recorded, with no valid input behind it
    unequal_copies: list[str] = field(default_factory=list)  # recorded twice, not identically
    # Past a kill-switch reset recorded without the snapshot it followed (decisions written
    # before resets said so), a portfolio's state is not re-derived.
    after_reset: list[str] = field(default_factory=list)

    def compare_record(self, decision_id: str, recorded: Recorded, expected: Any) -> None:
        """`compare`, bytes first: the worker wrote `orjson.dumps` of the very same dict, so an
        identical answer is the same bytes (the usual case, without parsing either)."""
        if orjson.dumps(expected) == recorded.value:
            self.checked += 1
            self.identical += 1
        else:
            self.compare(decision_id, recorded.doc, json_types(expected))

    def compare(self, decision_id: str, recorded: dict[str, Any], expected: dict[str, Any]) -> None:
        self.checked += 1
        fields = differing_fields(recorded, expected)
        if fields:
            self.different[decision_id] = fields
        else:
            self.identical += 1


@dataclass
class Audit:
    sized: Comparison
    decisions: Comparison
    entries: EntryHistory
    books: dict[str, PortfolioBook]
    triggers: dict[str, InputRef]  # decision id → the valid tactical signal that triggers it


def differing_fields(recorded: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Top-level fields (and one level into objects) whose values differ."""
    out: list[str] = []
    for name in sorted((recorded.keys() | expected.keys()) - UNAUDITED):
        a, b = recorded.get(name), expected.get(name)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(f"{name}.{k}" for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k))
        else:
            out.append(name)
    return out


def _valid(rec: Recorded, topic: Topic, cfg: Layer3Config) -> Any:
    contract = CONTRACT[topic]
    assert contract.model is not None and contract.key_field is not None
    msg = decode(
        rec.value, rec.key, contract.model, contract.key_field, cfg.inputs.max_message_bytes
    )
    return None if not isinstance(msg, contract.model) else msg


def first_copies(recs: list[Recorded], comparison: Comparison | None = None) -> dict[str, Recorded]:
    """The first copy of each answer in partition order; later copies must be byte-identical
    (those that are not go to `comparison.unequal_copies`)."""
    first: dict[str, Recorded] = {}
    for rec in by_offset(recs):
        decision_id = rec.decision_id
        seen = first.setdefault(decision_id, rec)
        if (
            comparison is not None
            and seen is not rec
            and seen.value != rec.value
            and differing_fields(seen.doc, rec.doc)
        ):
            comparison.unequal_copies.append(decision_id)
    return first


def _view(sig: TacticalSignal, reads: dict[str, Any], entries: EntryHistory) -> SymbolView:
    regime = entries.at("regime", sig.symbol, reads["regime"])
    key = state_updates.track_key(sig.strategy_id, sig.symbol)
    confirmed = None if regime is None else regime.current
    return SymbolView(
        cascade=entries.at("cascade", sig.symbol, reads["cascade"]),
        regime=regime,
        sentiment=entries.at("sentiment", sig.symbol, reads["sentiment"]),
        posterior=None
        if confirmed is None
        else entries.at(
            "posterior",
            state_updates.posterior_key(sig.strategy_id, sig.symbol, confirmed),
            reads["posterior"],
        ),
        residuals=entries.at("residuals", key, reads["residuals"]),
    )


def json_types(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` as JSON reads it back: enums as strings, tuples as lists."""
    result: dict[str, Any] = orjson.loads(orjson.dumps(doc))
    return result


def fold_state(inputs: dict[Topic, list[Recorded]], cfg: Layer3Config) -> EntryHistory:
    """Every state input folded into its entries, each topic in partition offset order."""
    entries = EntryHistory(cfg.sizing)
    for topic in STATE_TOPICS:
        for rec in by_offset(inputs.get(topic, [])):
            msg = _valid(rec, topic, cfg)
            if msg is not None:
                entries.apply(msg, rec.ref)
    return entries


def valid_signals(
    inputs: dict[Topic, list[Recorded]], cfg: Layer3Config
) -> dict[str, tuple[Recorded, TacticalSignal]]:
    """The tactical signals the worker decides (the others it dead-letters), by decision id."""
    return {
        records.decision_id(rec.ref): (rec, msg)
        for rec in inputs.get(Topic.TACTICAL, [])
        if (msg := _valid(rec, Topic.TACTICAL, cfg)) is not None
    }


def audit(
    inputs: dict[Topic, list[Recorded]],
    sized: list[Recorded],
    decisions: list[Recorded],
    cfg: Layer3Config,
    selection: Selection = EVERYTHING,
) -> Audit:
    """Fold the state inputs, then recompute every recorded sized record and decision.

    Only the answers to the signals `selection` picks are compared; all are folded."""
    entries = fold_state(inputs, cfg)
    signals = valid_signals(inputs, cfg)
    triggers = {decision_id: rec.ref for decision_id, (rec, _) in signals.items()}
    result = Audit(Comparison(), Comparison(), entries, {}, triggers)
    stage1 = first_copies(sized, result.sized)
    result.sized.extra = sorted(stage1.keys() - signals.keys())
    chosen = selection.chosen(signals)
    for decision_id, (rec, sig) in signals.items():
        if decision_id not in chosen:
            continue
        if decision_id not in stage1:
            result.sized.missing.append(decision_id)
            continue
        recorded = stage1[decision_id].doc
        view = _view(sig, recorded["reads"], entries)
        size = strategy_sizing.size(sig, view, cfg.sizing)
        expected = records.sized_record(sig, rec.ref, size, view, recorded["config_version"])
        result.sized.compare_record(decision_id, stage1[decision_id], expected)
    decided = first_copies(decisions, result.decisions)
    result.decisions.extra = sorted(decided.keys() - stage1.keys())

    def check(decision_id: str, decision: Recorded | None, expected: Any) -> None:
        if decision_id not in chosen:
            return
        if decision is None:
            result.decisions.missing.append(decision_id)
        elif expected is None:
            result.decisions.after_reset.append(decision_id)
        else:
            result.decisions.compare_record(decision_id, decision, expected)

    fold_books(stage1, decided, entries, result.books, cfg, lambda rec: rec.doc,
               None, check)  # fmt: skip
    return result
