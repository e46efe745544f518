"""What `ensemble[portfolio_id]` holds: the portfolio's book as stage 2 last decided it."""

from dataclasses import dataclass, field
from typing import Any, Final, final

from sizing.correlation_monitor import PriceSeries
from sizing.ensemble import Views
from sizing.refs import InputRef, ref_dict
from sizing.replies import Replies
from sizing.rolling_samples import Samples
from sizing.signal_independence import PairVerdicts
from sizing.swing_governor import Watermarks
from sizing.values import Value


@final
class BookUpdate(Value):
    """What one decision changes in the book; stage 2 computes it, `PortfolioBook.apply` commits."""

    __slots__ = (
        "allocated_usd",
        "decision_id",
        "evicted",
        "marks",
        "prices",
        "samples",
        "source",
        "strategy",
        "strategy_gross",
        "strategy_net",
        "symbol",
        "target",
        "timestamp_ns",
        "verdicts",
        "weights",
        "wish",
    )

    def __init__(
        self,
        symbol: str,
        strategy: str,
        wish: float,
        target: float,
        marks: Watermarks,
        weights: dict[str, float],
        prices: dict[str, PriceSeries],
        samples: dict[str, Samples],
        verdicts: PairVerdicts,
        source: InputRef | None,
        timestamp_ns: int,
        decision_id: str,
        allocated_usd: float,
        strategy_gross: float,
        strategy_net: float,
        evicted: tuple[str, ...] = (),
    ) -> None:
        self.symbol: Final = symbol
        self.strategy: Final = strategy
        self.wish: Final = wish  # the strategy's new view of the symbol
        self.target: Final = target  # the symbol's decided target
        self.marks: Final = marks  # the symbol's swing watermarks, this target included
        self.weights: Final = weights
        self.prices: Final = prices  # whole maps, already cleaned of inactive keys
        self.samples: Final = samples
        self.verdicts: Final = verdicts  # on `samples`' completed periods
        self.source: Final = source
        self.timestamp_ns: Final = timestamp_ns
        self.decision_id: Final = decision_id
        # The book's gross targets in USD once this target is in.
        self.allocated_usd: Final = allocated_usd
        # The strategy's sums over its views, this wish included.
        self.strategy_gross: Final = strategy_gross
        self.strategy_net: Final = strategy_net
        # Strategies idle too long, gone from the book before this decision was sized.
        self.evicted: Final = evicted


@dataclass(slots=True)
class PortfolioBook:
    """Every figure is a fraction of equity, so the book does not go stale when equity moves.

    Mutable: a decision commits its `BookUpdate` in place, so a batch pays no per-signal copy.
    """

    views: Views = field(default_factory=Views)
    targets: dict[str, float] = field(default_factory=dict)  # symbol → last decided target
    weights: dict[str, float] = field(default_factory=dict)  # strategy → weight, last decision
    prices: dict[str, PriceSeries] = field(default_factory=dict)
    samples: dict[str, Samples] = field(default_factory=dict)  # strategy → net wish per period
    swings: dict[str, Watermarks] = field(default_factory=dict)
    snapshots: int = 0  # weight snapshots recorded so far: the next one's sequence number
    source: InputRef | None = None
    # The decisions of the last delivery batch, fenced by trigger: a sized record can come twice.
    replies: Replies = field(default_factory=Replies)
    # A memo, not state: what the samples' completed periods say of each pair of strategies.
    pair_verdicts: PairVerdicts | None = field(default=None, compare=False, repr=False)

    def apply(self, update: BookUpdate) -> None:
        """Commit one decision; nothing else ever changes the book."""
        for strategy in update.evicted:
            self.views.drop_strategy(strategy)
        self.views.commit_wish(
            update.symbol, update.strategy, update.wish, update.strategy_gross, update.strategy_net
        )
        if update.target != 0.0:
            self.targets[update.symbol] = update.target
        else:
            self.targets.pop(update.symbol, None)
        self.swings[update.symbol] = update.marks
        for symbol in _unpriced(self.prices, update):
            self.swings.pop(symbol, None)  # years of listings would otherwise fill the record
        self.weights = update.weights
        self.prices = update.prices
        self.samples = update.samples
        self.pair_verdicts = update.verdicts
        self.snapshots += 1
        self.source = update.source

    def without(self, strategies: tuple[str, ...]) -> "PortfolioBook":
        """A copy with `strategies` gone: their views and samples (weights follow the views)."""
        book = self.copy()
        for strategy in strategies:
            book.views.drop_strategy(strategy)
            book.samples.pop(strategy, None)
        book.pair_verdicts = None  # they were on the old set of strategies
        return book

    def strategies(self) -> set[str]:
        """Every strategy the book holds anything of."""
        return self.samples.keys() | self.views.by_strategy.keys()

    def copy(self) -> "PortfolioBook":
        """An independent book (its values are immutable, so the maps are copied one level)."""
        return PortfolioBook(
            self.views.copy(),
            dict(self.targets),
            dict(self.weights),
            dict(self.prices),
            dict(self.samples),
            dict(self.swings),
            self.snapshots,
            self.source,
            self.replies.copy(),
            self.pair_verdicts,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "wishes": self.views.by_symbol,
            "targets": self.targets,
            "weights": self.weights,
            "prices": {s: p.as_dict() for s, p in self.prices.items()},
            "samples": {s: v.as_packed() for s, v in self.samples.items()},
            "swings": {s: [list(m) for m in w] for s, w in self.swings.items()},
            "snapshots": self.snapshots,
            "source": ref_dict(self.source),
            "replies": self.replies.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PortfolioBook":
        return cls(
            views=Views.of({sym: dict(w) for sym, w in data["wishes"].items()}),
            targets=dict(data["targets"]),
            weights=dict(data["weights"]),
            prices={s: PriceSeries.from_dict(p) for s, p in data["prices"].items()},
            samples={s: _samples(v) for s, v in data["samples"].items()},
            swings={
                s: tuple((int(a), float(b), float(c)) for a, b, c in w)
                for s, w in data["swings"].items()
            },
            snapshots=int(data["snapshots"]),
            source=InputRef.from_dict(data.get("source")),
            replies=Replies.from_dict(data["replies"]) if "replies" in data else Replies(),
        )


def _unpriced(before: dict[str, PriceSeries], update: BookUpdate) -> list[str]:
    """Symbols whose price series the update dropped (no price for 2 × the correlation window):
    their swing watermarks, minutes old, go with them. Counted first: drops are rare."""
    after = update.prices
    added = after is not before and update.symbol not in before
    if len(after) >= len(before) + added:
        return []
    return [symbol for symbol in before if symbol not in after]


def _samples(data: Any) -> Samples:
    """Packed columns, or the list of points that records written before them hold."""
    return Samples.from_packed(data) if isinstance(data, dict) else Samples.from_list(data)


@dataclass(frozen=True, slots=True)
class WeightSnapshot:
    """One row group of the weight history (seed 000 §11.7), written per decision."""

    seq: int
    timestamp_ns: int
    weights: dict[str, float]
    total_allocated_usd: float
    num_strategies: int
    decision_id: str
    source: InputRef | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "timestamp_ns": self.timestamp_ns,
            "weights": self.weights,
            "total_allocated_usd": self.total_allocated_usd,
            "num_strategies": self.num_strategies,
            "decision_id": self.decision_id,
            "source": ref_dict(self.source),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "WeightSnapshot":
        return cls(
            seq=int(data["seq"]),
            timestamp_ns=int(data["timestamp_ns"]),
            weights=dict(data["weights"]),
            total_allocated_usd=float(data["total_allocated_usd"]),
            num_strategies=int(data["num_strategies"]),
            decision_id=str(data["decision_id"]),
            source=InputRef.from_dict(data.get("source")),
        )


def weight_snapshot(seq: int, update: BookUpdate) -> WeightSnapshot:
    """The weight-history row of a committed update; `seq` is the book's count before it."""
    weights = update.weights
    return WeightSnapshot(
        seq, update.timestamp_ns, weights, update.allocated_usd, len(weights),
        update.decision_id, update.source,
    )  # fmt: skip


PAGE_SIZE = 100  # snapshots per weight-history record: one changelog write per page per batch


@dataclass(frozen=True, slots=True)
class WeightPage:
    """Consecutive weight snapshots of one portfolio, stored under `portfolio_id|page % pages`."""

    page: int
    snapshots: tuple[WeightSnapshot, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"page": self.page, "snapshots": [s.as_dict() for s in self.snapshots]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "WeightPage":
        snaps = tuple(WeightSnapshot.from_dict(s) for s in data["snapshots"])
        return cls(int(data["page"]), snaps)


def page_key(portfolio_id: str, seq: int, history_size: int) -> str:
    """Enough pages in the ring to hold the last `history_size` snapshots."""
    pages = -(-history_size // PAGE_SIZE) + 1
    return f"{portfolio_id}|{(seq // PAGE_SIZE) % pages}"


def add_to_page(page: WeightPage | None, snap: WeightSnapshot) -> WeightPage:
    """The snapshot appended to its page; a page last used a ring turn ago starts afresh."""
    number = snap.seq // PAGE_SIZE
    if page is None or page.page != number:
        return WeightPage(number, (snap,))
    kept = tuple(s for s in page.snapshots if s.seq != snap.seq)  # a redelivery replaces
    return WeightPage(number, (*kept, snap))
