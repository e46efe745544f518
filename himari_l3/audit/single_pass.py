"""Both stages recomputed in one pass over the sized records, in the order the worker applied
them: each sized record is checked against the entries its lineage names, then folded into its
portfolio's book to check the decision. A share of the history is some sized partitions (with
their books) and some tactical partitions (whose signals no sized record answers)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from himari_l3.audit.books import fold_books
from himari_l3.audit.comparison import Comparison
from himari_l3.audit.entry_history import EntryHistory
from himari_l3.audit.history import History, valid
from himari_l3.audit.recorded import Recorded
from himari_l3.audit.selection import EVERYTHING, Selection
from schemas.config import Layer3Config, SizingConfig
from schemas.messages import TacticalSignal
from schemas.topics import Topic
from sizing import records, state_updates, strategy_sizing
from sizing.portfolio_book import PortfolioBook
from sizing.refs import InputRef
from sizing.strategy_sizing import SymbolView


@dataclass(frozen=True, slots=True)
class ShareSpec:
    sized_partitions: frozenset[int] | None  # None: every one
    tactical_share: int = 0  # the tactical partitions p with p % tactical_shares == this
    tactical_shares: int = 1

    def has_signal(self, partition: int) -> bool:
        return partition % self.tactical_shares == self.tactical_share


WHOLE = ShareSpec(None)


@dataclass
class Share:
    sized: Comparison = field(default_factory=Comparison)
    decisions: Comparison = field(default_factory=Comparison)
    books: dict[str, PortfolioBook] = field(default_factory=dict)
    triggers: dict[str, InputRef] = field(default_factory=dict)  # of the answers findings name
    signals: int = 0  # valid signals met: each owed a decision


def fold_share(
    history: History,
    cfg: Layer3Config,
    selection: Selection,
    spec: ShareSpec = WHOLE,
    tick: Callable[[], None] | None = None,
) -> Share:
    """Recompute and compare the answers of one share; `tick()` after each sized record."""
    share, tails = Share(), dict[bytes, dict[str, Any]]()
    joins, sizing = Joins(history.entries), cfg.sizing
    # The ids whose answers are compared; None: all of them (no set of a million to keep).
    chosen: set[str] | None = None if selection == EVERYTHING else set()

    def signal(decision_id: str) -> tuple[Recorded, TacticalSignal] | None:
        rec = history.tactical.get(decision_id)
        sig = None if rec is None else valid(rec, Topic.TACTICAL, cfg)
        if rec is None or sig is None:
            return None
        share.signals += 1
        if chosen is not None and selection.selects(rec.ref, sig.timestamp_ns):
            chosen.add(decision_id)
        return rec, sig

    for decision_id in history.tactical.keys() - history.sized.keys():  # unanswered signals
        owed = spec.has_signal(history.tactical[decision_id].partition)
        if owed and signal(decision_id) is not None and (chosen is None or decision_id in chosen):
            share.sized.missing.append(decision_id)

    def sized_doc(rec: Recorded) -> dict[str, Any]:
        if tick is not None:
            tick()
        decision_id = rec.decision_id
        found = signal(decision_id)
        if found is None:  # extra: nothing to recompute it from
            doc: dict[str, Any] = rec.doc
            share.sized.extra.append(decision_id)
            return doc
        expected, same = _sized_again(found[1], found[0], rec, decision_id, joins, sizing, tails)
        if chosen is None or decision_id in chosen:
            share.sized.tally(decision_id, rec, expected, same)
        # Identical bytes: the recomputed record is the recorded one, without parsing it.
        return expected if same else rec.doc

    def check(decision_id: str, decision: Recorded | None, expected: Any) -> None:
        if chosen is not None and decision_id not in chosen:
            return
        if decision is None:
            share.decisions.missing.append(decision_id)
        elif expected is None:
            share.decisions.after_reset.append(decision_id)
        else:
            share.decisions.compare_record(decision_id, decision, expected)

    parts = spec.sized_partitions
    stage1 = history.sized if parts is None else {
        i: r for i, r in history.sized.items() if r.partition in parts
    }  # fmt: skip
    fold_books(stage1, history.decided, history.entries, share.books, cfg, sized_doc, None, check)
    share.triggers = _triggers(
        history, cfg, share.sized.finding_ids() | share.decisions.finding_ids()
    )
    return share


def _triggers(history: History, cfg: Layer3Config, named: set[str]) -> dict[str, InputRef]:
    """The trigger of each named answer that has a valid signal behind it."""
    found = {i: history.tactical[i] for i in named if i in history.tactical}
    return {i: rec.ref for i, rec in found.items() if valid(rec, Topic.TACTICAL, cfg) is not None}


def _sized_again(
    sig: TacticalSignal,
    signal_rec: Recorded,
    rec: Recorded,
    decision_id: str,
    joins: "Joins",
    sizing: SizingConfig,
    tails: dict[bytes, dict[str, Any]],
) -> tuple[dict[str, Any], bool]:
    """The sized record the core makes of the signal, joined with the entries the recorded one
    read; and whether it is the recorded one, byte for byte. `decision_id`: the signal's."""
    recorded = rec.tail("reads", "config_version", memo=tails)
    view = joins.view(sig.symbol, sig.strategy_id, recorded)
    size = strategy_sizing.size(sig, view, sizing)
    version = recorded["config_version"]
    expected = records.sized_record(sig, signal_rec.ref, size, view, version, decision_id)
    return expected, rec.same(orjson.dumps(expected))


_MEMO_VIEWS = 4_096


class Joins:
    """The entries each sized record's lineage names, joined into the view it was sized with.
    A tail's parse is shared by every record with the same tail (`Recorded.tail`'s memo), so
    a (symbol, strategy) whose reads did not move since its last signal reuses that view."""

    def __init__(self, entries: EntryHistory) -> None:
        self.entries = entries
        self.memo: dict[tuple[str, str], tuple[dict[str, Any], SymbolView]] = {}

    def view(self, symbol: str, strategy_id: str, tail: dict[str, Any]) -> SymbolView:
        """The view of `tail["reads"]`; `tail` must not change (memo values never do)."""
        found = self.memo.get((symbol, strategy_id))
        if found is not None and found[0] is tail:
            return found[1]
        view = _view(symbol, strategy_id, tail["reads"], self.entries)
        if len(self.memo) >= _MEMO_VIEWS:  # a bound, not a cache policy
            self.memo.clear()
        self.memo[(symbol, strategy_id)] = (tail, view)
        return view


def _view(
    symbol: str, strategy_id: str, reads: dict[str, Any], entries: EntryHistory
) -> SymbolView:
    regime = entries.at("regime", symbol, reads["regime"])
    key = state_updates.track_key(strategy_id, symbol)
    confirmed = None if regime is None else regime.current
    return SymbolView(
        cascade=entries.at("cascade", symbol, reads["cascade"]),
        regime=regime,
        sentiment=entries.at("sentiment", symbol, reads["sentiment"]),
        posterior=None
        if confirmed is None
        else entries.at(
            "posterior",
            state_updates.posterior_key(strategy_id, symbol, confirmed),
            reads["posterior"],
        ),
        residuals=entries.at("residuals", key, reads["residuals"]),
    )
