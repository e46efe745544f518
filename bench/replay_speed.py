"""How fast the replay re-derives a recorded history, its compute alone (no broker read).

A history of N signals is recorded in process by the same core, as the worker writes it (state
inputs, sized records and decisions with their lineage), then `himari_l3.audit.audit` re-derives
it: state fold, stage 1 against the lineage, stage 2 books, field-by-field comparison. Issue 5
asks for 1,000,000 signals in under 60 s; the figure here is the compute's share of that.

    python bench/replay_speed.py [--signals 100000] [--repeat 3]
"""

import argparse
import statistics
import sys
import time

import orjson
from workload import Record, signals, state_records

from himari_l3.audit.recompute import audit, fold_state
from himari_l3.audit.recorded import Recorded
from schemas.config import Layer3Config
from schemas.messages import TacticalSignal
from schemas.topics import Topic
from sizing import portfolio_sizing, records, state_updates, strategy_sizing
from sizing.portfolio_book import PortfolioBook
from sizing.refs import InputRef
from sizing.strategy_sizing import SymbolView

SPACING_NS = 2_000_000  # 100,000 signals span 200 s: within the snapshots' maximum age
TARGET_S = 60.0


def _recorded(topic: Topic, recs: list[Record]) -> list[Recorded]:
    return [Recorded(topic.value, 0, i, r.key, r.value) for i, r in enumerate(recs)]


def history(
    n: int, cfg: Layer3Config
) -> tuple[dict[Topic, list[Recorded]], list[Recorded], list[Recorded]]:
    """Inputs, sized records and decisions of n signals, one partition a topic, as recorded."""
    states = state_records()
    inputs = {
        t: _recorded(t, [r for r in states if r.topic is t]) for t in {r.topic for r in states}
    }
    inputs[Topic.TACTICAL] = _recorded(Topic.TACTICAL, signals(n, "replay", spacing_ns=SPACING_NS))
    entries = fold_state(inputs, cfg)
    latest, sz, version, now = entries.latest, cfg.sizing, cfg.config_version, time.time_ns()
    books: dict[str, PortfolioBook] = {}
    sized_out, decided_out = [], []
    for rec in inputs[Topic.TACTICAL]:
        sig = TacticalSignal.model_validate_json(rec.value)
        regime = latest["regime"][sig.symbol]
        track = latest["track_record"][state_updates.track_key(sig.strategy_id, sig.symbol)]
        view = SymbolView(latest["cascade"][sig.symbol], regime, latest["sentiment"][sig.symbol],
                          track.posterior(regime.current), track.residuals)  # fmt: skip
        sized = orjson.loads(orjson.dumps(records.sized_record(
            sig, rec.ref, strategy_sizing.size(sig, view, sz), view, version)))  # fmt: skip
        sized_ref = InputRef(Topic.SIZED.value, 0, len(sized_out))
        book = books.setdefault(sig.portfolio_id, PortfolioBook())
        portfolio = latest["portfolio"][sig.portfolio_id]
        stage2 = portfolio_sizing.size(records.stage1_input(sized), portfolio, book, sz, sized_ref)
        decision = records.decision_record(sized, stage2, portfolio, book, version, now)
        book.apply(stage2.update)
        sized_out.append(
            Recorded(sized_ref.topic, 0, sized_ref.offset, rec.key, orjson.dumps(sized))
        )
        decided_out.append(Recorded(Topic.DECISIONS.value, 0, len(decided_out), rec.key,
                                    orjson.dumps(decision)))  # fmt: skip
    return inputs, sized_out, decided_out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--signals", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    cfg = Layer3Config()
    started = time.perf_counter()
    inputs, sized, decisions = history(args.signals, cfg)
    mb = sum(len(r.value) for r in (*sized, *decisions)) / 1e6
    print(f"recorded {args.signals:,} signals in process in {time.perf_counter() - started:.1f} s "
          f"({mb:,.0f} MB of sized records and decisions)")  # fmt: skip
    rates = []
    for run in range(1, args.repeat + 1):
        t0 = time.perf_counter()
        result = audit(inputs, sized, decisions, cfg)
        elapsed = time.perf_counter() - t0
        clean = result.decisions.identical == result.sized.identical == args.signals
        rates.append(args.signals / elapsed)
        print(f"run {run}/{args.repeat}: {elapsed:.1f} s, {rates[-1]:,.0f} signals/s, "
              f"{'clean' if clean else 'NOT CLEAN'}")  # fmt: skip
        if not clean:
            return 1
    rate = statistics.median(rates)
    projected = 1_000_000 / rate
    verdict = "PASS" if projected < TARGET_S else "FAIL"
    print(f"median {rate:,.0f} signals/s: 1,000,000 signals in {projected:.0f} s of compute "
          f"(target < {TARGET_S:.0f} s with the broker read)  {verdict}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
