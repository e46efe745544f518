"""A history of N signals recorded in process by the same core, as the worker writes it: state
inputs, then each signal with its sized record and decision (lineage included). Every record
sits where Kafka's default partitioner puts its key, at the next offset of that partition, so
the history can be produced to fresh topics as it is and read back with the same offsets."""

import time
from collections import Counter
from collections.abc import Iterator

import orjson
from aiokafka.partitioner import murmur2
from workload import signals, state_records

from himari_l3.audit.history import fold_state
from himari_l3.audit.recompute import Audit, audit
from himari_l3.audit.recorded import Recorded
from schemas.config import Layer3Config
from schemas.messages import TacticalSignal
from schemas.topics import INPUT_TOPICS, Topic, full_name
from sizing import portfolio_sizing, records, state_updates, strategy_sizing
from sizing.portfolio_book import PortfolioBook
from sizing.strategy_sizing import SymbolView

SPACING_NS = 2_000_000  # 100,000 signals span 200 s: within the snapshots' maximum age


class Layout:
    """Partitions and offsets, as a broker assigns them to a producer that names no partition."""

    def __init__(self, prefix: str, partitions: int) -> None:
        self.prefix, self.partitions = prefix, partitions
        self.next: Counter[tuple[Topic, int]] = Counter()

    def place(self, topic: Topic, key: bytes, value: bytes) -> Recorded:
        partition = (murmur2(key) & 0x7FFFFFFF) % self.partitions
        offset = self.next[(topic, partition)]
        self.next[(topic, partition)] += 1
        return Recorded(full_name(topic, self.prefix), partition, offset, key, value)


def record(
    n: int, cfg: Layer3Config, prefix: str = "", partitions: int = 8
) -> Iterator[tuple[Topic, Recorded]]:
    """The state inputs, then each signal followed by its sized record and its decision."""
    layout = Layout(prefix, partitions)
    states = [(r.topic, layout.place(r.topic, r.key, r.value)) for r in state_records()]
    yield from states
    inputs: dict[Topic, list[Recorded]] = {}
    for topic, rec in states:
        inputs.setdefault(topic, []).append(rec)
    latest, sz, version, now = fold_state(inputs, cfg).latest, cfg.sizing, cfg.config_version, 0
    books: dict[str, PortfolioBook] = {}
    for raw in signals(n, "replay", spacing_ns=SPACING_NS):
        rec = layout.place(Topic.TACTICAL, raw.key, raw.value)
        sig = TacticalSignal.model_validate_json(rec.value)
        regime = latest["regime"][sig.symbol]
        track = latest["track_record"][state_updates.track_key(sig.strategy_id, sig.symbol)]
        view = SymbolView(latest["cascade"][sig.symbol], regime, latest["sentiment"][sig.symbol],
                          track.posterior(regime.current), track.residuals)  # fmt: skip
        sized = orjson.loads(orjson.dumps(records.sized_record(
            sig, rec.ref, strategy_sizing.size(sig, view, sz), view, version)))  # fmt: skip
        sized_rec = layout.place(Topic.SIZED, sig.portfolio_id.encode(), orjson.dumps(sized))
        book = books.setdefault(sig.portfolio_id, PortfolioBook())
        portfolio = latest["portfolio"][sig.portfolio_id]
        s1 = records.stage1_input(sized)
        stage2 = portfolio_sizing.size(s1, portfolio, book, sz, sized_rec.ref)
        now = max(now + 1, time.time_ns())
        decision = records.decision_record(sized, stage2, portfolio, book, version, now)
        book.apply(stage2.update)
        yield Topic.TACTICAL, rec
        yield Topic.SIZED, sized_rec
        yield Topic.DECISIONS, layout.place(Topic.DECISIONS, raw.key, orjson.dumps(decision))


def in_memory(
    n: int, cfg: Layer3Config, prefix: str = "", partitions: int = 8
) -> dict[Topic, list[Recorded]]:
    """`record` gathered by topic."""
    out: dict[Topic, list[Recorded]] = {}
    for topic, rec in record(n, cfg, prefix, partitions):
        out.setdefault(topic, []).append(rec)
    return out


def audited(history: dict[Topic, list[Recorded]], cfg: Layer3Config, jobs: int = 1) -> Audit:
    """The replay's audit of an `in_memory` history."""
    inputs = {t: history.get(t, []) for t in INPUT_TOPICS}
    return audit(inputs, history[Topic.SIZED], history[Topic.DECISIONS], cfg, jobs=jobs)
