"""What another config would have decided: the recorded inputs re-run through the pure core.

State is folded anew under the other config (hysteresis, cascade, posteriors, kill switch),
stage 1 joins each signal with the entry states its recorded lineage names, and stage 2 folds
the books over the what-if sized records in the order the worker applied the recorded ones.
The interleaving of topics stays the recorded one; only the config changes.
"""

from dataclasses import dataclass, field
from typing import Any

from himari_l3.audit.books import fold_books
from himari_l3.audit.entry_history import EntryHistory
from himari_l3.audit.history import read_history, valid_signals
from himari_l3.audit.recorded import Recorded
from himari_l3.audit.selection import EVERYTHING, Selection
from schemas.config import Layer3Config
from schemas.messages import TacticalSignal
from schemas.topics import Topic
from sizing import records, state_updates, strategy_sizing
from sizing.portfolio_book import PortfolioBook
from sizing.strategy_sizing import SymbolView


@dataclass(frozen=True, slots=True)
class Pair:
    """One decision as recorded and as the other config makes it."""

    decision_id: str
    portfolio_id: str
    symbol: str
    strategy_id: str
    timestamp_ns: int
    recorded_usd: float
    what_if_usd: float
    recorded_reasons: tuple[str, ...]
    what_if_reasons: tuple[str, ...]

    @property
    def change_usd(self) -> float:
        return self.what_if_usd - self.recorded_usd


@dataclass
class WhatIf:
    config_version: str
    recorded_versions: set[str] = field(default_factory=set)
    pairs: list[Pair] = field(default_factory=list)
    after_reset: int = 0  # decisions left out: their portfolio's kill switch was reset before


def what_if(
    inputs: dict[Topic, list[Recorded]],
    sized: list[Recorded],
    decisions: list[Recorded],
    cfg: Layer3Config,
    selection: Selection = EVERYTHING,
) -> WhatIf:
    """Every recorded decision paired with the one `cfg` makes of the same inputs."""
    history = read_history(inputs, sized, decisions, cfg)
    signals = valid_signals(history, cfg)
    result = WhatIf(cfg.config_version)
    chosen = selection.chosen(signals)

    def again(rec: Recorded) -> dict[str, Any]:
        found = signals.get(rec.decision_id)
        if found is None:  # no valid signal behind it: the recorded one is all there is
            doc: dict[str, Any] = rec.doc
            return doc
        return _sized_again(*found, rec.tail("reads")["reads"], history.entries, cfg)

    def pair(decision_id: str, found: Recorded | None, mine: dict[str, Any] | None) -> None:
        if found is None or decision_id not in chosen:
            return
        if mine is None:  # see Comparison.after_reset
            result.after_reset += 1
            return
        recorded = found.doc
        result.recorded_versions.add(recorded["config_version"])
        result.pairs.append(_pair(recorded, mine))

    books: dict[str, PortfolioBook] = {}
    fold_books(history.sized, history.decided, history.entries, books, cfg, again,
               cfg.config_version, pair)  # fmt: skip
    return result


def _sized_again(
    signal_rec: Recorded,
    sig: TacticalSignal,
    reads: dict[str, Any],
    entries: EntryHistory,
    cfg: Layer3Config,
) -> dict[str, Any]:
    view = _view_as_of(sig, reads, entries)
    size = strategy_sizing.size(sig, view, cfg.sizing)
    return records.sized_record(sig, signal_rec.ref, size, view, cfg.config_version)


def _view_as_of(sig: TacticalSignal, reads: dict[str, Any], entries: EntryHistory) -> SymbolView:
    """The entries as of the inputs the recorded join read. The posterior is the one of the
    regime confirmed under this config, which need not be the recorded one."""
    regime = entries.at("regime", sig.symbol, reads["regime"])
    key = state_updates.track_key(sig.strategy_id, sig.symbol)
    track = entries.at("track_record", key, reads["residuals"])
    return SymbolView(
        cascade=entries.at("cascade", sig.symbol, reads["cascade"]),
        regime=regime,
        sentiment=entries.at("sentiment", sig.symbol, reads["sentiment"]),
        posterior=None if track is None or regime is None else track.posterior(regime.current),
        residuals=None if track is None else track.residuals,
    )


def _pair(recorded: dict[str, Any], mine: dict[str, Any]) -> Pair:
    return Pair(
        recorded["decision_id"], recorded["portfolio_id"], recorded["symbol"],
        recorded["strategy_id"], recorded["timestamp_ns"], recorded["target_position_usd"],
        mine["target_position_usd"], tuple(recorded["reasons"]), tuple(map(str, mine["reasons"])),
    )  # fmt: skip
