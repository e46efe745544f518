"""The soak's workload: valid inputs for a universe of keys whose active part slides over time.

The universe is `symbols` symbols (`S0000-USD` …), `strategies` strategies (`strat_0000` …) and
`portfolios` portfolios (`soak-0` …). At run progress p ∈ [0, 1] only a window of
`active_symbols` consecutive symbols and `active_strategies` consecutive strategies is active;
both windows slide from the first keys to the last as p goes from 0 to 1. So new keys keep
appearing, old ones go quiet for good, and by the end every key of the universe has been used:
a per-key structure without a cap or an expiry keeps every one of them.

A symbol entering its window is introduced (one regime, one on-chain and one sentiment
reading) before its first signal, so its signals are sized through every stage. Then, for
active keys: tactical signals (random strategy, symbol and portfolio), state inputs (regime,
on-chain, sentiment, and outcomes per (strategy, symbol)), and a snapshot per portfolio every
`snapshot_s` seconds holding a few active symbols. Everything is seeded; event time is the
wall clock at send, so the service's 60 s periods roll over as in production.
"""

import random
from dataclasses import dataclass

from workload import ACTIONS, REGIMES, Record, encode, indicators

from schemas.topics import Topic

TRENDS = ("BULLISH", "BEARISH", "NEUTRAL")
POSITIONS_PER_SNAPSHOT = 5


@dataclass(frozen=True, slots=True)
class Shape:
    """The key universe and how much of it is active at once."""

    symbols: int = 300
    strategies: int = 200
    portfolios: int = 5
    active_symbols: int = 60
    active_strategies: int = 40

    def __post_init__(self) -> None:
        if not (0 < self.active_symbols <= self.symbols):
            raise ValueError("need 0 < active_symbols <= symbols")
        if not (0 < self.active_strategies <= self.strategies):
            raise ValueError("need 0 < active_strategies <= strategies")
        if self.portfolios < 1:
            raise ValueError("need at least one portfolio")


def window(total: int, active: int, progress: float) -> range:
    """The active indices at `progress`: `active` consecutive ones, sliding from 0 to the end."""
    start = round(min(1.0, max(0.0, progress)) * (total - active))
    return range(start, start + active)


class ChurnFeed:
    """Builds the soak's records; `progress` is the share of the run elapsed (0 … 1)."""

    def __init__(self, shape: Shape, seed: int = 17, tag: str = "soak") -> None:
        self.shape, self.tag = shape, tag
        self.rng = random.Random(seed)
        self.symbols = [f"S{i:04d}-USD" for i in range(shape.symbols)]
        self.strategies = [f"strat_{i:04d}" for i in range(shape.strategies)]
        self.portfolios = [f"soak-{i}" for i in range(shape.portfolios)]
        # Start prices from 0.1 to ~30,000 USD, log-uniform.
        self.prices = [round(10 ** self.rng.uniform(-1.0, 4.5), 4) for _ in self.symbols]
        self.regimes = [self.rng.choice(REGIMES) for _ in self.symbols]
        self.introduced = 0  # symbols 0 … introduced-1 have had their introduction
        self.signals = 0  # tactical signals built so far: the next one's number

    def active_symbols(self, progress: float) -> range:
        return window(self.shape.symbols, self.shape.active_symbols, progress)

    def active_strategies(self, progress: float) -> range:
        return window(self.shape.strategies, self.shape.active_strategies, progress)

    def introductions(self, progress: float, now_ns: int) -> list[Record]:
        """Regime, on-chain and sentiment for every symbol that entered its window since."""
        out: list[Record] = []
        end = self.active_symbols(progress).stop
        while self.introduced < end:
            i = self.introduced
            out += [self._regime(i, now_ns), self._onchain(i, now_ns), self._sentiment(i, now_ns)]
            self.introduced += 1
        return out

    def signal(self, progress: float, now_ns: int) -> Record:
        rng, n = self.rng, self.signals
        self.signals += 1
        i = rng.choice(self.active_symbols(progress))
        sym, action = self.symbols[i], rng.choice(ACTIONS)
        doc = {
            "strategy_id": self.strategies[rng.choice(self.active_strategies(progress))],
            "symbol": sym,
            "action": action,
            "confidence": round(rng.uniform(0.5, 0.85), 3),
            "risk_score": round(rng.uniform(0.1, 0.4), 3),
            "price": self._price(i),
            "portfolio_id": rng.choice(self.portfolios),
            "correlation_id": f"{self.tag}-{n}",
            "timestamp_ns": now_ns,
        }
        if rng.random() < 0.4:
            doc["regime"] = self.regimes[i]
        if action != "HOLD" and rng.random() < 0.3:
            sign = -1.0 if "SELL" in action else 1.0
            doc["expected_return"] = round(sign * rng.uniform(0.002, 0.012), 5)
            doc["predicted_volatility"] = round(rng.uniform(0.01, 0.04), 4)
        if rng.random() < 0.2:
            doc["sentiment_trend"] = rng.choice(TRENDS)
            doc["sentiment_strength"] = round(rng.uniform(0.4, 0.9), 3)
        return Record(Topic.TACTICAL, sym.encode(), encode(doc))

    def state_input(self, progress: float, now_ns: int) -> Record:
        """One regime, on-chain, sentiment reading or outcome (35 %) for active keys."""
        i = self.rng.choice(self.active_symbols(progress))
        kind = self.rng.random()
        if kind < 0.25:
            return self._regime(i, now_ns)
        if kind < 0.5:
            return self._onchain(i, now_ns)
        if kind < 0.65:
            return self._sentiment(i, now_ns)
        return self._outcome(i, self.rng.choice(self.active_strategies(progress)), now_ns)

    def snapshots(self, progress: float, now_ns: int) -> list[Record]:
        """One snapshot per portfolio, holding a few of the active symbols."""
        out = []
        for pid in self.portfolios:
            held = self.rng.sample(self.active_symbols(progress), POSITIONS_PER_SNAPSHOT)
            positions = {}
            for i in held:
                qty = round(self.rng.uniform(-1.0, 1.0) * 2_000.0 / self.prices[i], 6)
                positions[self.symbols[i]] = {
                    "quantity": qty,
                    "market_value_usd": round(qty * self.prices[i], 2),
                }
            equity = round(1_000_000.0 * (1.0 + 0.001 * self.rng.gauss(0.0, 1.0)), 2)
            doc = {"portfolio_id": pid, "timestamp_ns": now_ns, "equity_usd": equity,
                   "positions": positions, "realized_pnl_today_usd": 0.0,
                   "peak_equity_usd": 1_001_000.0}  # fmt: skip
            out.append(Record(Topic.PORTFOLIO, pid.encode(), encode(doc)))
        return out

    def _price(self, i: int) -> float:
        # A random walk, so the symbols' period returns (correlation, realised vol) are real.
        self.prices[i] = max(1e-6, self.prices[i] * (1.0 + 0.002 * self.rng.gauss(0.0, 1.0)))
        return round(self.prices[i], 6)

    def _regime(self, i: int, now_ns: int) -> Record:
        if self.rng.random() < 0.1:  # mostly the same regime: hysteresis confirms some changes
            self.regimes[i] = self.rng.choice(REGIMES)
        doc = {"symbol": self.symbols[i], "timestamp_ns": now_ns, "regime": self.regimes[i]}
        return Record(Topic.REGIME, self.symbols[i].encode(), encode(doc))

    def _onchain(self, i: int, now_ns: int) -> Record:
        stress = self.rng.choice((0.05, 0.05, 0.05, 0.2, 0.4))  # MONITOR mostly, some REDUCE
        doc = {"symbol": self.symbols[i], "timestamp_ns": now_ns, **indicators(self.rng, stress)}
        return Record(Topic.ONCHAIN, self.symbols[i].encode(), encode(doc))

    def _sentiment(self, i: int, now_ns: int) -> Record:
        doc = {"symbol": self.symbols[i], "timestamp_ns": now_ns,
               "trend": self.rng.choice(TRENDS), "strength": round(self.rng.random(), 3)}  # fmt: skip
        return Record(Topic.SENTIMENT, self.symbols[i].encode(), encode(doc))

    def _outcome(self, i: int, strategy: int, now_ns: int) -> Record:
        pred = self.rng.uniform(0.002, 0.012)
        real = abs(self.rng.gauss(pred, 0.004)) * (1 if self.rng.random() < 0.6 else -1)
        doc = {"symbol": self.symbols[i], "timestamp_ns": now_ns,
               "strategy_id": self.strategies[strategy], "regime": self.regimes[i],
               "realized_return": round(real, 5), "predicted_return": round(pred, 5)}  # fmt: skip
        return Record(Topic.OUTCOMES, self.symbols[i].encode(), encode(doc))
