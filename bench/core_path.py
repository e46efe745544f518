"""(a) The pure core in-process: stage 1 + sized record + stage 2 + decision record per signal."""

import time
from dataclasses import dataclass
from typing import Any

import orjson
from workload import Record, signals, state_records

from schemas.config import Layer3Config
from schemas.messages import (
    OnChainSignal,
    PortfolioSnapshot,
    RegimeObservation,
    SentimentObservation,
    TacticalSignal,
    TradeOutcome,
)
from schemas.topics import CONTRACT, Topic
from sizing import portfolio_sizing, portfolio_state, records, state_updates, strategy_sizing
from sizing.portfolio_book import PortfolioBook
from sizing.refs import InputRef
from sizing.strategy_sizing import SymbolView
from streams.decoding import decode


@dataclass
class Tables:
    """The worker's tables as plain dicts, filled by the core's own state updates."""

    cascade: dict[str, Any]
    regime: dict[str, Any]
    sentiment: dict[str, Any]
    posterior: dict[str, Any]
    residuals: dict[str, Any]
    portfolio: dict[str, Any]
    ensemble: dict[str, Any]


def _decode(rec: Record, max_bytes: int) -> Any:
    contract = CONTRACT[rec.topic]
    assert contract.model is not None and contract.key_field is not None
    msg = decode(rec.value, rec.key, contract.model, contract.key_field, max_bytes)
    if not isinstance(msg, contract.model):
        raise AssertionError(f"the bench built an invalid {rec.topic} message: {msg}")
    return msg


def build_tables(cfg: Layer3Config) -> Tables:
    t = Tables({}, {}, {}, {}, {}, {}, {})
    sz, limit = cfg.sizing, cfg.inputs.max_message_bytes
    for offset, rec in enumerate(state_records()):
        msg, ref = _decode(rec, limit), InputRef(rec.topic.value, 0, offset)
        if isinstance(msg, RegimeObservation):
            t.regime[msg.symbol] = state_updates.on_regime(msg, t.regime.get(msg.symbol), sz, ref)
        elif isinstance(msg, OnChainSignal):
            t.cascade[msg.symbol] = state_updates.on_onchain(msg, sz, ref)
        elif isinstance(msg, SentimentObservation):
            t.sentiment[msg.symbol] = state_updates.on_sentiment(msg, ref)
        elif isinstance(msg, PortfolioSnapshot):
            prev = t.portfolio.get(msg.portfolio_id)
            t.portfolio[msg.portfolio_id] = portfolio_state.from_snapshot(
                msg, prev, ref, sz.kill_switch
            )
        elif isinstance(msg, TradeOutcome):
            regime = state_updates.outcome_regime(msg, t.regime.get(msg.symbol))
            p_key = state_updates.posterior_key(msg.strategy_id, msg.symbol, regime)  # type: ignore[arg-type]
            r_key = state_updates.residual_key(msg.strategy_id, msg.symbol)
            upd = state_updates.on_outcome(
                msg, regime, t.posterior.get(p_key), t.residuals.get(r_key), sz, ref
            )
            t.posterior[p_key], t.residuals[r_key] = upd.posterior, upd.residuals
    return t


def view_of(sig: TacticalSignal, t: Tables) -> SymbolView:
    regime = t.regime[sig.symbol]
    p_key = state_updates.posterior_key(sig.strategy_id, sig.symbol, regime.current)
    view = SymbolView(
        cascade=t.cascade[sig.symbol],
        regime=regime,
        sentiment=t.sentiment[sig.symbol],
        posterior=t.posterior[p_key],
        residuals=t.residuals[state_updates.residual_key(sig.strategy_id, sig.symbol)],
    )
    assert None not in (view.cascade, view.regime, view.sentiment, view.posterior, view.residuals)
    return view


# Event time: the warm-up's signals fill the books' correlation and independence windows
# (20 periods of 60 s) before the snapshots; the timed ones follow, 10 ms apart, so 20,000 span
# 200 s (a few more periods close) and stay within the snapshots' maximum age.
WARM_SIGNALS, WARM_SPAN_NS, SPACING_NS = 2_400, 1_200 * 10**9, 10_000_000

Item = tuple[TacticalSignal, SymbolView, InputRef, Any]


def _items(raw: list[Record], cfg: Layer3Config, tables: Tables, first: int) -> list[Item]:
    limit, topic = cfg.inputs.max_message_bytes, Topic.TACTICAL.value
    sigs = [decode(r.value, r.key, TacticalSignal, "symbol", limit) for r in raw]
    if not all(isinstance(s, TacticalSignal) for s in sigs):
        raise AssertionError("the bench built an invalid tactical signal")
    return [
        (s, view_of(s, tables), InputRef(topic, i % 8, first + i), tables.portfolio[s.portfolio_id])  # type: ignore[arg-type]
        for i, s in enumerate(sigs)
    ]


def _decide(items: list[Item], books: dict[str, PortfolioBook], cfg: Layer3Config) -> None:
    sz, version, now = cfg.sizing, cfg.config_version, time.time_ns()
    for sig, view, ref, pf in items:
        result = strategy_sizing.size(sig, view, sz)
        sized = records.sized_record(sig, ref, result, view, version)
        book = books.get(sig.portfolio_id) or books.setdefault(sig.portfolio_id, PortfolioBook())
        stage2 = portfolio_sizing.size(records.stage1_input(sized), pf, book, sz, ref)
        records.decision_record(sized, stage2, pf, book, version, now)
        book.apply(stage2.update)


def _check_steady(books: dict[str, PortfolioBook], cfg: Layer3Config) -> None:
    """Every book past its warm-up: the figure is the steady state, not the warm-up path."""
    sz = cfg.sizing
    for pid, book in books.items():
        samples = min(len(s.completed.points) for s in book.samples.values())
        returns = min(len(p.returns.points) for p in book.prices.values())
        if samples < sz.independence.min_samples or returns < sz.correlation.min_periods:
            raise AssertionError(
                f"book {pid} still warming up: {samples} samples, {returns} returns"
            )


def run_core(n: int, cfg: Layer3Config) -> dict[str, float]:
    """Signals/s of core, decode, core+decode and decode+core+JSON encode/parse of both hops."""
    tables, sz, version = build_tables(cfg), cfg.sizing, cfg.config_version
    limit = cfg.inputs.max_message_bytes
    start = time.time_ns()
    warm_raw = signals(WARM_SIGNALS, "warm", seed=6, spacing_ns=WARM_SPAN_NS // WARM_SIGNALS,
                       start_ns=start - WARM_SPAN_NS)  # fmt: skip
    warm = _items(warm_raw, cfg, tables, 0)
    raw = signals(n, "core", spacing_ns=SPACING_NS, start_ns=start)
    t0 = time.perf_counter()
    for r in raw:
        decode(r.value, r.key, TacticalSignal, "symbol", limit)
    t_decode = time.perf_counter() - t0
    items = _items(raw, cfg, tables, WARM_SIGNALS)

    books: dict[str, PortfolioBook] = {}
    _decide(warm, books, cfg)
    t0 = time.perf_counter()
    _decide(items, books, cfg)
    t_core = time.perf_counter() - t0
    _check_steady(books, cfg)

    books = {}
    _decide(warm, books, cfg)
    t0 = time.perf_counter()
    for (_, view, ref, pf), rec in zip(items, raw, strict=True):
        sig = decode(rec.value, rec.key, TacticalSignal, "symbol", limit)
        result = strategy_sizing.size(sig, view, sz)  # type: ignore[arg-type]
        wire = orjson.dumps(records.sized_record(sig, ref, result, view, version))  # type: ignore[arg-type]
        sized = orjson.loads(wire)
        book = books.get(sized["portfolio_id"]) or books.setdefault(
            sized["portfolio_id"], PortfolioBook()
        )
        stage2 = portfolio_sizing.size(records.stage1_input(sized), pf, book, sz, ref)
        orjson.dumps(records.decision_record(sized, stage2, pf, book, version, time.time_ns()))
        book.apply(stage2.update)
    t_wire = time.perf_counter() - t0
    return {
        "core": n / t_core,
        "decode": n / t_decode,
        "core_decode": n / (t_core + t_decode),
        "wire": n / t_wire,
        "core_us": t_core / n * 1e6,
        "decode_us": t_decode / n * 1e6,
        "wire_us": t_wire / n * 1e6,
    }
