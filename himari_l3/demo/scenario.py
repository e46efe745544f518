"""The bundled demo: ~60 s of L1/L2 traffic for three symbols, told in five acts.

`python -m himari_l3.demo.scenario` regenerates `scenario.jsonl` beside this module.
"""

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from schemas.topics import Topic

SYMBOLS = ("BTC-USD", "ETH-USD", "SOL-USD")
STRATEGIES = ("momentum_v2", "mean_revert_v1", "funding_arb_v1")
PORTFOLIOS = ("default", "fund-b")
START_PRICES = {"BTC-USD": 43_500.0, "ETH-USD": 2_280.0, "SOL-USD": 98.0}
TICK_VOL = {"BTC-USD": 0.0005, "ETH-USD": 0.0007, "SOL-USD": 0.001}  # log-return sd per tick
VALIDATION_START_NS = 1_763_700_000_000_000_000
ACT_MS, TICK_MS = 12_000, 200
TICKS = ACT_MS // TICK_MS
JSONL_PATH = Path(__file__).with_name("scenario.jsonl")
BUYS, SELLS = ("BUY", "BUY", "STRONG_BUY"), ("SELL", "SELL", "STRONG_SELL")

# One regime observation per symbol per second, a letter each (columns: BTC, ETH, SOL).
# A change needs three in a row; a lone letter is a false candidate. Lower case is legal.
_NAMES = ("TRENDING_UP", "TRENDING_DOWN", "RANGING", "HIGH_VOLATILITY", "CRISIS_FLIGHT")
_REGIMES = dict(zip("UDRHC", _NAMES, strict=True))
_SCRIPT = {
    1: ("UUUUUUUUUUUU", "UUUUUUUUUUUU", "UUUUUUUUUUUU"),
    2: ("UUUHUUUURUUU", "UHUURUDDDDDD", "UUUUUUHHUUUU"),
    3: ("UUUUUUUUUUUU", "DDDDDDDDDDDD", "HHHCCCCcCCCC"),
    4: ("UUUUUUUUUUUU", "DDDDDDDDDDDD", "CCHHHHHHHHHH"),
    5: ("RRRRRRRRRRRR", "DDRRrRRRRRRR", "HRRRRRRRRRRR"),
}
# What L2 strategies do under each confirmed regime: (actions, confidence range).
_POLICY = {
    "TRENDING_UP": (BUYS, 0.55, 0.8),
    "TRENDING_DOWN": (SELLS, 0.6, 0.8),
    "HIGH_VOLATILITY": (("BUY", "SELL", "HOLD"), 0.4, 0.6),
    "CRISIS_FLIGHT": (("SELL", "STRONG_SELL", "STRONG_SELL", "BUY"), 0.5, 0.75),
    "RANGING": (("HOLD", "HOLD", "HOLD", "BUY", "SELL"), 0.45, 0.6),
}
# Cash and quantities per portfolio; fund-b is short ETH.
_BOOKS = {
    "default": (400_000.0, {"BTC-USD": 5.0, "ETH-USD": 80.0, "SOL-USD": 2_000.0}),
    "fund-b": (300_000.0, {"BTC-USD": 1.5, "ETH-USD": -30.0, "SOL-USD": 500.0}),
}
_LIQUIDATIONS = {"BTC-USD": 6e7, "ETH-USD": 3e7, "SOL-USD": 8e6}  # calm 24 h USD
_PNL_NOTIONAL = {"default": 20_000.0, "fund-b": 5_000.0}


@dataclass(frozen=True)
class ScenarioEvent:
    """One input message; `value` is its JSON document without `timestamp_ns`."""

    at_ms: int
    topic: Topic
    value: dict[str, Any]


@dataclass
class _World:
    rng: random.Random
    prices: dict[str, float] = field(default_factory=lambda: dict(START_PRICES))
    drift: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SYMBOLS, 0.0))
    vol: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SYMBOLS, 1.0))
    qty: dict[str, dict[str, float]] = field(
        default_factory=lambda: {p: dict(q) for p, (_, q) in _BOOKS.items()}
    )
    streak: dict[str, tuple[str, int]] = field(default_factory=dict)
    confirmed: dict[str, str] = field(default_factory=dict)
    pnl: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PORTFOLIOS, 0.0))
    peak: dict[str, float] = field(default_factory=dict)
    events: list[ScenarioEvent] = field(default_factory=list)
    signals: int = 0
    outcomes: int = 0

    def emit(self, at_ms: int, topic: Topic, value: dict[str, Any]) -> None:
        self.events.append(ScenarioEvent(at_ms, topic, value))

    def walk(self, sym: str) -> None:
        step = self.drift[sym] + TICK_VOL[sym] * self.vol[sym] * self.rng.gauss(0.0, 1.0)
        self.prices[sym] *= math.exp(step)

    def jit(self, at: int) -> int:
        return at + self.rng.randrange(20, TICK_MS - 10)


def _every(i: int, sym: str, period: int, phase: int) -> bool:
    return i % period == (SYMBOLS.index(sym) + phase) % period


def _regime(w: _World, at: int, sym: str, code: str) -> None:
    name = _REGIMES[code.upper()]
    prev, n = w.streak.get(sym, ("", 0))
    n = n + 1 if name == prev else 1
    w.streak[sym] = (name, n)
    if n >= 3 or sym not in w.confirmed:  # the service's hysteresis, for the strategies' sake
        w.confirmed[sym] = name
    w.emit(at, Topic.REGIME, {"symbol": sym, "regime": name if code.isupper() else name.lower()})


def _stress(rng: random.Random, s: float) -> dict[str, float]:
    """The five cascade indicators at stress s: 0 calm, 1 a full liquidation cascade."""

    def jig(x: float, calm_sd: float) -> float:
        return x * (1.0 + 0.02 * rng.gauss(0.0, 1.0)) + calm_sd * (1.0 - s) * rng.gauss(0.0, 1.0)

    return {
        "funding_rate": round(jig(0.0001 + 0.0099 * s, 0.00005), 6),
        "oi_change_pct": round(jig(-0.3 * s, 0.01), 4),
        "volume_ratio": round(max(0.1, jig(1.0 + 9.0 * s, 0.1)), 3),
        "onchain_whale_pressure": round(min(1.0, max(0.0, jig(0.3 + 0.68 * s, 0.05))), 3),
        "exchange_netflow_zscore": round(jig(4.0 * s, 0.5), 3),
    }


def _onchain(w: _World, at: int, sym: str, s: float) -> None:
    liquidations = round(_LIQUIDATIONS[sym] * (1.0 + 40.0 * s * s) * w.rng.uniform(0.9, 1.1), -3)
    doc = {"symbol": sym, **_stress(w.rng, s), "liquidation_volume_24h": liquidations}
    w.emit(at, Topic.ONCHAIN, doc)


def _antigravity(w: _World, at: int, sym: str) -> None:
    """The L1 `antigravity` form, at a level seed 000's mapping scores REDUCE_50%."""
    keys = ("coherence", "entropy", "energy_density", "schwarzschild_radius", "hawking_temperature")
    lows = (0.7, 0.85, 0.7, 0.82, 0.85)
    ag = {k: round(lo + 0.08 * w.rng.random(), 4) for k, lo in zip(keys, lows, strict=True)}
    w.emit(at, Topic.ONCHAIN, {"symbol": sym, "antigravity": ag})


def _sentiment(w: _World, at: int, sym: str, mood: tuple[str, float, float]) -> None:
    strength = round(w.rng.uniform(mood[1], mood[2]), 3)
    w.emit(at, Topic.SENTIMENT, {"symbol": sym, "trend": mood[0], "strength": strength})


def _signal(w: _World, at: int, sym: str, own_sentiment: str | None) -> None:
    rng, (actions, lo, hi) = w.rng, _POLICY[w.confirmed[sym]]
    strategy, action = rng.choice(STRATEGIES), rng.choice(actions)
    w.signals += 1
    value: dict[str, Any] = {
        "strategy_id": strategy,
        "symbol": sym,
        "action": action,
        "confidence": round(rng.uniform(lo, hi), 3),
        "risk_score": round(min(1.0, 0.15 + 0.1 * w.vol[sym] + 0.1 * rng.random()), 3),
        "price": round(w.prices[sym], 2),
        "correlation_id": f"demo-{w.signals}",
    }
    roll = rng.random()
    if roll < 0.5:
        value["portfolio_id"] = "fund-b" if roll < 0.3 else "default"
    if rng.random() < 0.4:
        value["regime"] = w.streak[sym][0]  # L2's own latest view, informational
    if action != "HOLD" and (strategy == "funding_arb_v1" or rng.random() < 0.25):
        sign = -1.0 if action in SELLS else 1.0
        value["expected_return"] = round(sign * rng.uniform(0.002, 0.012), 5)
        value["predicted_volatility"] = round(rng.uniform(0.01, 0.04) * w.vol[sym], 4)
    if rng.random() < 0.2:
        value["signal_strength"] = round(rng.uniform(0.3, 1.0), 3)
    if own_sentiment and rng.random() < 0.35:
        value["sentiment_trend"] = own_sentiment
        value["sentiment_strength"] = round(rng.uniform(0.6, 0.9), 3)
    w.emit(at, Topic.TACTICAL, value)


def _outcome(w: _World, at: int, sym: str, win_p: float) -> None:
    rng = w.rng
    pred = rng.uniform(0.002, 0.012)
    won = rng.random() < win_p
    real = abs(rng.gauss(pred, 0.004)) if won else -abs(rng.gauss(0.006, 0.004))
    strategy = STRATEGIES[w.outcomes % len(STRATEGIES)]
    w.outcomes += 1
    value = {"strategy_id": strategy, "symbol": sym, "realized_return": round(real, 5)}
    if rng.random() < 0.85:
        value["predicted_return"] = round(pred, 5)
    for pid in PORTFOLIOS:
        w.pnl[pid] += real * _PNL_NOTIONAL[pid]
    w.emit(at, Topic.OUTCOMES, value)


def _snapshots(w: _World, at: int) -> None:
    for pid, (cash, _) in _BOOKS.items():
        book = {s: round(q * w.prices[s], 2) for s, q in w.qty[pid].items()}
        equity = round(cash + w.pnl[pid] + sum(book.values()), 2)
        w.peak[pid] = max(w.peak.get(pid, equity), equity)
        doc: dict[str, Any] = {"portfolio_id": pid, "equity_usd": equity}
        doc["positions"] = {
            s: {"quantity": w.qty[pid][s], "market_value_usd": v} for s, v in book.items()
        }
        doc["realized_pnl_today_usd"] = round(w.pnl[pid], 2)
        doc["peak_equity_usd"] = w.peak[pid]
        w.emit(at, Topic.PORTFOLIO, doc)


@dataclass(frozen=True)
class _Plan:
    """What an act asks of one symbol in one tick."""

    stress: float | None  # of the L1 reading each second; None: the act sends L1 itself
    win_p: float  # share of winning outcomes
    mood: tuple[str, float, float] | None = ("BULLISH", 0.3, 0.6)  # sentiment, strength range
    own: str | None = None  # sentiment_trend some signals carry themselves


def _trade(w: _World, at: int, sym: str, i: int, plan: _Plan) -> None:
    """A symbol's routine traffic in one tick: L1 each second, sentiment, signals, outcomes."""
    if plan.stress is not None and _every(i, sym, 5, 2):
        _onchain(w, w.jit(at), sym, plan.stress)
    if plan.mood is not None and _every(i, sym, 10, 4):
        _sentiment(w, w.jit(at), sym, plan.mood)
    if w.rng.random() < 0.45:
        _signal(w, w.jit(at), sym, plan.own)
    if w.rng.random() < 0.15:
        _outcome(w, w.jit(at), sym, plan.win_p)


# Act 1 - calm trend: TRENDING_UP everywhere, benign L1, buys, mostly winning outcomes.
def _calm_trend(w: _World, at: int, sym: str, i: int) -> _Plan:
    w.drift[sym] = 0.00005
    return _Plan(w.rng.uniform(0.0, 0.12), 0.8)


# Act 2 - regime flip: lone HIGH_VOLATILITY / RANGING candidates never confirm; ETH-USD
# confirms TRENDING_DOWN with three in a row, and its strategies turn to SELL.
def _regime_flip(w: _World, at: int, sym: str, i: int) -> _Plan:
    eth = sym == "ETH-USD"
    w.drift[sym] = -0.0003 if eth and i >= 25 else 0.00003
    return _Plan(w.rng.uniform(0.05, 0.2), 0.6, ("NEUTRAL" if eth else "BULLISH", 0.2, 0.5))


# Act 3 - liquidation cascade on SOL-USD: funding rises past 0.3 %, then the antigravity
# form scores REDUCE_50%, then all five indicators ramp through REDUCE_75% to EXIT.
def _cascade(w: _World, at: int, sym: str, i: int) -> _Plan:
    if sym != "SOL-USD":
        return _Plan(w.rng.uniform(0.05, 0.2), 0.6, ("BULLISH", 0.2, 0.5))
    if i % 2 == 0:  # an L1 reading every 400 ms
        j = i // 2
        w.drift[sym], w.vol[sym] = (-0.004, 3.0) if j >= 8 else (-0.001, 2.0)
        stress = 0.1 + 0.05 * j if j < 8 else min(1.0, 0.6 + 0.03 * (j - 14))
        if 8 <= j < 14:
            _antigravity(w, w.jit(at), sym)
        else:
            _onchain(w, w.jit(at), sym, stress)
    return _Plan(None, 0.3, ("BEARISH", 0.5, 0.8))


# Act 4 - sentiment against the signals: BEARISH readings on BTC-USD while its BUYs go on,
# some signals carrying their own sentiment; SOL-USD's cascade subsides.
def _sentiment_clash(w: _World, at: int, sym: str, i: int) -> _Plan:
    if sym == "BTC-USD":
        if _every(i, sym, 5, 1):
            _sentiment(w, w.jit(at), sym, ("BEARISH", 0.6, 0.9))
        return _Plan(w.rng.uniform(0.05, 0.2), 0.5, None, "BEARISH" if i % 2 else "bearish")
    if sym == "ETH-USD":
        return _Plan(w.rng.uniform(0.05, 0.2), 0.5, ("NEUTRAL", 0.2, 0.5), "bullish")
    if i == 0:
        for pid in PORTFOLIOS:  # the desks cut SOL after the EXIT
            w.qty[pid][sym] *= 0.25
    w.drift[sym], w.vol[sym] = 0.001, 2.0
    return _Plan(max(0.0, 0.9 - i / 30), 0.5, ("NEUTRAL", 0.2, 0.5))


# Act 5 - recovery: RANGING confirmed everywhere, mostly HOLD, losses among the outcomes.
# The SOL cascade's drawdown halted both portfolios (kill switch); the risk desk reviews it and
# resets them (`himari-l3 reset-kill-switch`).
def _recovery(w: _World, at: int, sym: str, i: int) -> _Plan:
    w.drift[sym], w.vol[sym] = 0.0, 1.0
    if i == 30 and sym == SYMBOLS[0]:
        for pid in PORTFOLIOS:
            reset = {"portfolio_id": pid, "command": "RESET_KILL_SWITCH",
                     "operator": "demo-risk-desk", "reason": "drawdown after the SOL cascade reviewed"}  # fmt: skip
            w.emit(at, Topic.CONTROL, reset)
    return _Plan(w.rng.uniform(0.0, 0.12), 0.35, ("NEUTRAL", 0.1, 0.4))


_Step = Callable[[_World, int, str, int], _Plan]
_ACTS: tuple[_Step, ...] = (_calm_trend, _regime_flip, _cascade, _sentiment_clash, _recovery)


def _play(w: _World, act: int, step: _Step) -> None:
    t0 = (act - 1) * ACT_MS
    for i in range(TICKS):
        at = t0 + i * TICK_MS
        for k, sym in enumerate(SYMBOLS):
            w.walk(sym)
            if i % 5 == k:
                _regime(w, at + k, sym, _SCRIPT[act][k][i // 5])
            _trade(w, at, sym, i, step(w, at, sym, i))
        if i % 15 == 7:
            _snapshots(w, at + TICK_MS - 5)


def build_scenario(seed: int = 7) -> list[ScenarioEvent]:
    """The deterministic demo scenario, sorted by `at_ms` (ties keep generation order)."""
    w = _World(random.Random(seed))
    # Prologue: every symbol's first events are a regime observation and an L1 reading,
    # since the service sizes a symbol at zero until it has both.
    for sym in SYMBOLS:
        _regime(w, 0, sym, "U")
        _onchain(w, 1, sym, 0.05)
    _snapshots(w, 2)
    for act, step in enumerate(_ACTS, start=1):
        _play(w, act, step)
    return sorted(w.events, key=lambda e: e.at_ms)


def write_jsonl(events: list[ScenarioEvent], path: str | Path) -> None:
    lines = (
        orjson.dumps({"at_ms": e.at_ms, "topic": e.topic.value, "value": e.value}) for e in events
    )
    Path(path).write_bytes(b"".join(line + b"\n" for line in lines))


def read_jsonl(path: str | Path) -> list[ScenarioEvent]:
    rows = (orjson.loads(line) for line in Path(path).read_bytes().splitlines() if line.strip())
    return [ScenarioEvent(int(r["at_ms"]), Topic(r["topic"]), dict(r["value"])) for r in rows]


def stamped(event: ScenarioEvent, start_ns: int) -> dict[str, Any]:
    """The event's document with `timestamp_ns = start_ns + at_ms` (in ns)."""
    return {**event.value, "timestamp_ns": start_ns + event.at_ms * 1_000_000}


if __name__ == "__main__":
    write_jsonl(build_scenario(), JSONL_PATH)
