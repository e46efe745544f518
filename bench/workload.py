"""The benchmark's messages: valid state inputs and tactical signals, encoded as on the wire.

Symbols, strategies, portfolios and start prices come from the demo scenario; more symbols are
added so the keys spread over the topics' partitions. Everything is seeded (reproducible).
"""

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from himari_l3.demo.scenario import PORTFOLIOS, START_PRICES, STRATEGIES
from schemas.topics import Topic

EXTRA_PRICES = {"AVAX-USD": 36.0, "LINK-USD": 14.5, "DOGE-USD": 0.09, "ADA-USD": 0.58,
                "DOT-USD": 7.2, "XRP-USD": 0.61, "LTC-USD": 71.0, "ATOM-USD": 9.8}  # fmt: skip
PRICES = {**START_PRICES, **EXTRA_PRICES}
SYMBOLS = tuple(PRICES)
REGIMES = ("TRENDING_UP", "TRENDING_UP", "RANGING", "TRENDING_DOWN", "HIGH_VOLATILITY")
ACTIONS = ("BUY", "BUY", "STRONG_BUY", "SELL", "SELL", "STRONG_SELL", "HOLD")
OUTCOMES_PER_PAIR = 6


@dataclass(frozen=True, slots=True)
class Record:
    """One keyed message for one of the service's topics."""

    topic: Topic
    key: bytes
    value: bytes


def encode(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc)


def regime_of(symbol: str) -> str:
    return REGIMES[SYMBOLS.index(symbol) % len(REGIMES)]


def indicators(rng: random.Random, stress: float) -> dict[str, float]:
    """The five cascade indicators of an on-chain reading; stress 0 is calm, 1 a cascade."""
    return {
        "funding_rate": round(0.0001 + 0.0099 * stress, 6),
        "oi_change_pct": round(-0.3 * stress, 4),
        "volume_ratio": round(1.0 + 9.0 * stress + 0.1 * rng.random(), 3),
        "onchain_whale_pressure": round(0.3 + 0.6 * stress, 3),
        "exchange_netflow_zscore": round(4.0 * stress + 0.2 * rng.gauss(0.0, 1.0), 3),
        "liquidation_volume_24h": 5e7,
    }


def state_records(seed: int = 11) -> list[Record]:
    """One regime, one on-chain and one sentiment reading per symbol, outcomes per
    (strategy, symbol) pair, and one snapshot per portfolio: every table entry gets a value."""
    rng, now = random.Random(seed), time.time_ns()
    out: list[Record] = []
    for i, sym in enumerate(SYMBOLS):
        key, base = sym.encode(), {"symbol": sym, "timestamp_ns": now}
        out.append(Record(Topic.REGIME, key, encode({**base, "regime": regime_of(sym)})))
        stress = 0.05 + 0.1 * (i % 6)  # MONITOR for most symbols, REDUCE_50% for a few
        out.append(Record(Topic.ONCHAIN, key, encode({**base, **indicators(rng, stress)})))
        trend = ("BULLISH", "BEARISH", "NEUTRAL")[i % 3]
        out.append(Record(Topic.SENTIMENT, key, encode({**base, "trend": trend, "strength": 0.5})))
        for strategy in STRATEGIES:
            for _ in range(OUTCOMES_PER_PAIR):
                pred = rng.uniform(0.002, 0.012)
                real = abs(rng.gauss(pred, 0.004)) * (1 if rng.random() < 0.6 else -1)
                doc = {**base, "strategy_id": strategy, "regime": regime_of(sym),
                       "realized_return": round(real, 5),
                       "predicted_return": round(pred, 5)}  # fmt: skip
                out.append(Record(Topic.OUTCOMES, key, encode(doc)))
    for pid in PORTFOLIOS:
        doc = {"portfolio_id": pid, "timestamp_ns": now, "equity_usd": 500_000.0,
               "positions": {"BTC-USD": {"quantity": 2.0, "market_value_usd": 87_000.0}},
               "realized_pnl_today_usd": 0.0, "peak_equity_usd": 510_000.0}  # fmt: skip
        out.append(Record(Topic.PORTFOLIO, pid.encode(), encode(doc)))
    return out


def signal_doc(rng: random.Random, i: int, tag: str, symbol: str | None = None,
               strategy: str | None = None) -> dict[str, Any]:  # fmt: skip
    """One tactical signal in the demo scenario's style; timestamp_ns is set by the sender."""
    sym = symbol or SYMBOLS[rng.randrange(len(SYMBOLS))]
    action = rng.choice(ACTIONS)
    doc: dict[str, Any] = {
        "strategy_id": strategy or rng.choice(STRATEGIES),
        "symbol": sym,
        "action": action,
        "confidence": round(rng.uniform(0.5, 0.85), 3),
        "risk_score": round(rng.uniform(0.1, 0.4), 3),
        "price": round(PRICES[sym] * (1.0 + 0.01 * rng.gauss(0.0, 1.0)), 4),
        "correlation_id": f"{tag}-{i}",
        "portfolio_id": PORTFOLIOS[i % len(PORTFOLIOS)],
    }
    if rng.random() < 0.4:
        doc["regime"] = regime_of(sym)
    if action != "HOLD" and rng.random() < 0.3:
        sign = -1.0 if "SELL" in action else 1.0
        doc["expected_return"] = round(sign * rng.uniform(0.002, 0.012), 5)
        doc["predicted_volatility"] = round(rng.uniform(0.01, 0.04), 4)
    if rng.random() < 0.2:
        doc["signal_strength"] = round(rng.uniform(0.3, 1.0), 3)
    if rng.random() < 0.2:
        doc["sentiment_trend"] = rng.choice(("BULLISH", "BEARISH", "NEUTRAL"))
        doc["sentiment_strength"] = round(rng.uniform(0.4, 0.9), 3)
    return doc


def signals(
    n: int, tag: str, seed: int = 5, spacing_ns: int = 0, start_ns: int | None = None
) -> list[Record]:
    """n encoded tactical signals keyed by symbol, the first stamped `start_ns` (default now, in
    event time) and each next one `spacing_ns` later, so the portfolio stage's periods roll over."""
    rng = random.Random(seed)
    start = time.time_ns() if start_ns is None else start_ns
    out = []
    for i in range(n):
        doc = signal_doc(rng, i, tag)
        doc["timestamp_ns"] = start + i * spacing_ns
        out.append(Record(Topic.TACTICAL, doc["symbol"].encode(), encode(doc)))
    return out


def probe_docs(round_no: int) -> Iterator[dict[str, Any]]:
    """One BUY per (strategy, symbol): its decision shows which table entries were read."""
    rng = random.Random(round_no)
    for sym in SYMBOLS:
        for strategy in STRATEGIES:
            doc = signal_doc(rng, 0, "probe", sym, strategy)
            doc["correlation_id"] = f"probe-{round_no}-{strategy}|{sym}"
            yield doc
