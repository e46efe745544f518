"""The chaos tests' input: tactical signals with state inputs interleaved on the same keys.

Every outcome names its regime, so each table entry is a fold of one partition of one topic
and the audit can rebuild it (himari_l3.audit.entry_history). Seeded, fixed event times.
"""

import random
from typing import Any

import orjson

from schemas.topics import Topic

T0 = 1_763_700_000_000_000_000
SPACING_NS = 100_000_000  # 0.1 s of event time per signal: 20k signals span 33 periods
PRICES = {"BTC-USD": 43_500.0, "ETH-USD": 2_280.0, "SOL-USD": 98.0, "AVAX-USD": 36.0,
          "LINK-USD": 14.5, "DOGE-USD": 0.09, "ADA-USD": 0.58, "DOT-USD": 7.2,
          "XRP-USD": 0.61, "LTC-USD": 71.0, "ATOM-USD": 9.8, "NEAR-USD": 5.1}  # fmt: skip
SYMBOLS = tuple(PRICES)
STRATEGIES = ("momentum_v2", "mean_revert_v1", "funding_arb_v1", "breakout_v3", "carry_v1")
PORTFOLIOS = ("default", "fund-b", "fund-c", "fund-d")
REGIMES = ("TRENDING_UP", "TRENDING_DOWN", "RANGING", "HIGH_VOLATILITY")
ACTIONS = ("BUY", "BUY", "STRONG_BUY", "SELL", "SELL", "STRONG_SELL", "HOLD")

Message = tuple[Topic, bytes, bytes]  # topic, key, value


def _msg(topic: Topic, key: str, doc: dict[str, Any]) -> Message:
    return topic, key.encode(), orjson.dumps(doc)


def snapshot(pid: str, ts: int, rng: random.Random) -> Message:
    equity = 1_000_000.0 * (1.0 + 0.002 * rng.gauss(0.0, 1.0))
    return _msg(Topic.PORTFOLIO, pid, {
        "portfolio_id": pid, "timestamp_ns": ts, "equity_usd": round(equity, 2),
        "positions": {"BTC-USD": {"quantity": 1.0, "market_value_usd": 43_500.0}},
        "realized_pnl_today_usd": 0.0, "peak_equity_usd": 1_010_000.0,
    })  # fmt: skip


def onchain(sym: str, ts: int, stress: float) -> Message:
    return _msg(Topic.ONCHAIN, sym, {"symbol": sym, "timestamp_ns": ts,
        "funding_rate": round(0.0001 + 0.0099 * stress, 6),
        "oi_change_pct": round(-0.3 * stress, 4), "volume_ratio": round(1 + 9 * stress, 3),
        "onchain_whale_pressure": round(0.3 + 0.6 * stress, 3),
        "exchange_netflow_zscore": round(4 * stress, 3)})  # fmt: skip


def state_input(rng: random.Random, ts: int) -> Message:
    sym = rng.choice(SYMBOLS)
    base = {"symbol": sym, "timestamp_ns": ts}
    kind = rng.random()
    if kind < 0.25:
        return onchain(sym, ts, rng.choice((0.05, 0.05, 0.3, 0.5, 0.7)))
    if kind < 0.5:
        return _msg(Topic.REGIME, sym, {**base, "regime": rng.choice(REGIMES)})
    if kind < 0.65:
        trend = rng.choice(("BULLISH", "BEARISH", "NEUTRAL"))
        return _msg(Topic.SENTIMENT, sym, {**base, "trend": trend, "strength": rng.random()})
    pred = rng.uniform(0.002, 0.012)
    return _msg(Topic.OUTCOMES, sym, {**base, "strategy_id": rng.choice(STRATEGIES),
        "regime": rng.choice(REGIMES), "predicted_return": round(pred, 5),
        "realized_return": round(rng.gauss(pred, 0.01), 5)})  # fmt: skip


def tactical(rng: random.Random, i: int, ts: int) -> Message:
    sym = rng.choice(SYMBOLS)
    action = rng.choice(ACTIONS)
    doc: dict[str, Any] = {
        "strategy_id": rng.choice(STRATEGIES), "symbol": sym, "action": action,
        "confidence": round(rng.uniform(0.5, 0.9), 3), "risk_score": round(rng.uniform(0.1, 0.4), 3),
        "price": round(PRICES[sym] * (1.0 + 0.01 * rng.gauss(0.0, 1.0)), 4),
        "portfolio_id": PORTFOLIOS[rng.randrange(len(PORTFOLIOS))],
        "correlation_id": f"chaos-{i}", "timestamp_ns": ts,
    }  # fmt: skip
    if action != "HOLD" and rng.random() < 0.3:
        doc["predicted_volatility"] = round(rng.uniform(0.01, 0.04), 4)
    return _msg(Topic.TACTICAL, sym, doc)


def messages(signals: int = 20_000, seed: int = 7) -> list[Message]:
    """Warm-up state for every key, then `signals` tactical signals with one state input
    every fourth signal and a snapshot per portfolio every 1,000 signals (100 s)."""
    rng = random.Random(seed)
    out: list[Message] = []
    for sym in SYMBOLS:
        for _ in range(3):  # hysteresis confirms on the third observation
            out.append(_msg(Topic.REGIME, sym, {"symbol": sym, "timestamp_ns": T0,
                                                "regime": "TRENDING_UP"}))  # fmt: skip
        out.append(onchain(sym, T0, 0.05))
    out += [state_input(rng, T0) for _ in range(100)]
    for i in range(signals):
        ts = T0 + i * SPACING_NS
        if i % 1000 == 0:
            out += [snapshot(pid, ts, rng) for pid in PORTFOLIOS]
        if i % 4 == 0:
            out.append(state_input(rng, ts))
        out.append(tactical(rng, i, ts))
    return out
