"""Every state each table entry went through, keyed by the input that produced it.

Each entry is changed by inputs of one partition of one topic, so folding each topic in
offset order gives each entry's exact sequence of states, whatever order the live worker
interleaved the topics in. A decision's lineage then picks out the state it read.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from himari_l3.audit.errors import AuditError, LineageError, ResetOrderError
from himari_l3.audit.resets import PortfolioResets
from schemas.config import SizingConfig
from schemas.messages import (
    KillSwitchReset,
    OnChainSignal,
    PortfolioSnapshot,
    RegimeObservation,
    SentimentObservation,
    TradeOutcome,
)
from sizing import entry_expiry, portfolio_capacity, portfolio_state, state_updates
from sizing.entry_expiry import Expiry
from sizing.refs import InputRef

StateKey = tuple[str, str, str, int, int]  # table, entry key, input topic, partition, offset


class EntryHistory:
    """Table entries folded from their inputs; `latest` is the state after every input."""

    def __init__(self, cfg: SizingConfig) -> None:
        self.cfg = cfg
        self.states: dict[StateKey, Any] = {}
        self.latest: dict[str, dict[str, Any]] = defaultdict(dict)
        self.resets = PortfolioResets(cfg)

    def apply(self, msg: BaseModel, ref: InputRef) -> None:
        """Fold one state input (not a tactical signal) into the entries it changes."""
        cfg, symbols = self.cfg, state_updates.symbol_state_expiry(self.cfg)
        if isinstance(msg, OnChainSignal):
            self._expiring("cascade", msg.symbol, ref, msg.timestamp_ns, symbols,
                           lambda _: state_updates.on_onchain(msg, cfg, ref))  # fmt: skip
        elif isinstance(msg, RegimeObservation):
            self._expiring("regime", msg.symbol, ref, msg.timestamp_ns, symbols,
                           lambda prev: state_updates.on_regime(msg, prev, cfg, ref))  # fmt: skip
        elif isinstance(msg, SentimentObservation):
            self._expiring("sentiment", msg.symbol, ref, msg.timestamp_ns, symbols,
                           lambda _: state_updates.on_sentiment(msg, ref))  # fmt: skip
        elif isinstance(msg, TradeOutcome):
            self._outcome(msg, ref)
        elif isinstance(msg, PortfolioSnapshot):
            held, cap = self.latest["portfolio"], cfg.max_portfolios_per_partition
            if not portfolio_capacity.has_room(held, msg.portfolio_id, ref, cap):
                return  # the worker dead-letters it
            prev = held.get(msg.portfolio_id)
            new = portfolio_state.from_snapshot(msg, prev, ref, cfg.kill_switch)
            self._set("portfolio", msg.portfolio_id, new, ref)
            self.resets.add_snapshot(msg, ref)
        elif isinstance(msg, KillSwitchReset):
            # Not folded: its place among the snapshots is not in one partition's order. The
            # decisions that read it name the snapshot it followed (`resets.PortfolioResets`).
            self.resets.add_reset(msg, ref)
        else:
            raise AuditError(f"{type(msg).__name__} at {ref} cannot be folded per entry")

    def _outcome(self, msg: TradeOutcome, ref: InputRef) -> None:
        if msg.regime is None:
            # Its posterior entry is the symbol's confirmed regime when it was applied: an
            # order across topics that no partition records.
            raise AuditError(f"outcome at {ref} has no regime: its posterior entry is unknown")
        key = state_updates.track_key(msg.strategy_id, msg.symbol)
        expiry = state_updates.track_record_expiry(self.cfg)
        track = self._expiring(
            "track_record",
            key,
            ref,
            msg.timestamp_ns,
            expiry,
            lambda prev: state_updates.track_outcome(msg, msg.regime, prev, self.cfg, ref),
        )
        if track is None:
            return
        # Lineage names the posterior and the residuals apart: index both views of the entry.
        p_key = state_updates.posterior_key(msg.strategy_id, msg.symbol, msg.regime)
        self._set("posterior", p_key, track.posterior(msg.regime), ref)
        self._set("residuals", key, track.residuals, ref)

    def _expiring(
        self,
        table: str,
        key: str,
        ref: InputRef,
        event_ns: int,
        expiry: Expiry,
        update: Callable[[Any], Any],
    ) -> Any:
        """The worker's writes (with the sweep due, and its mark); the new entry, or None."""
        entries = self.latest[table]
        writes = entry_expiry.apply(entries, key, ref, event_ns, expiry, update)
        for k, value in writes:
            if value is None:
                entries.pop(k, None)
            else:
                entries[k] = value
        state = dict(writes).get(key)
        if state is not None:
            self._set(table, key, state, ref)
        return state

    def _set(self, table: str, key: str, state: Any, ref: InputRef) -> None:
        self.latest[table][key] = state
        self.states[(table, key, ref.topic, ref.partition, ref.offset)] = state

    def portfolio(self, pid: str, reads: dict[str, Any], kill: dict[str, Any] | None) -> Any:
        """`portfolio[pid]` as a decision read it: `reads` is its lineage, `kill` its kill-switch
        diagnostics, which name the snapshot its last reset followed."""
        reset = reads.get("kill_switch_reset")
        if reset is None:
            return self.at("portfolio", pid, reads["portfolio"])
        last_reset = (kill or {}).get("last_reset") or {}
        after = last_reset.get("after_snapshot")
        if after is None:
            raise ResetOrderError(f"reset {reset} of {pid} does not say which snapshot it followed")
        at_snapshot = self.at("portfolio", pid, after)
        return self.resets.state(at_snapshot, reset, last_reset, reads["portfolio"])

    def at(self, table: str, key: str, read: dict[str, Any] | None) -> Any:
        """The state of `table[key]` right after the input `read` names (None: never written)."""
        if read is None:
            return None
        found = self.states.get((table, key, read["topic"], read["partition"], read["offset"]))
        if found is None:
            raise LineageError(f"{table}[{key}] was never written by the input {read}")
        return found
