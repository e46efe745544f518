"""Where a broker replay's CPU goes, and the floor that any faster sizing core would leave.

A history of N signals is produced to an embedded broker (as `replay_speed.py --broker` does),
read back as `himari-l3 replay` reads it, indexed, and folded in this one process:

  fold        the replay's fold as it is;
  core free   the same fold, with stage 1's and stage 2's core, their records and the records'
              JSON replaced by lookups of what the first fold computed. Everything else runs:
              decoding the signals, reading the tails, comparing against the digests, the loop.

The core-free fold is what the replay would cost with a core that took no time at all (a lower
bound for a native one, which would still build its records). Each figure is CPU (user + sys)
a signal; the projection scales them to 1,000,000 signals and divides by the cores.

    python bench/core_share.py [--signals 200000] [--readers 2] [--repeat 2]
"""

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from rich.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay_speed import PREFIX, TARGET_S, produce

from himari_l3.audit import books, single_pass
from himari_l3.audit.comparison import Comparison
from himari_l3.audit.history import History, read_history
from himari_l3.audit.selection import EVERYTHING
from himari_l3.collector import collector_off
from himari_l3.embedded import EmbeddedBroker
from himari_l3.replay import read_recorded
from schemas.config import Layer3Config
from schemas.config_loading import load_config
from schemas.topics import INPUT_TOPICS, Topic

Answers = dict[str, tuple[dict[str, Any], bytes]]  # decision id → recomputed answer, its JSON


def cpu_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def broker_cpu_s(pid: int | None) -> float:
    """The broker process's user + sys CPU so far (0 when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fold_cpu_s(history: History, cfg: Layer3Config) -> float:
    """One fold of the whole history in this process (the caller turns the collector off, as the
    replay does for its fold); fails unless every answer is identical."""
    started = cpu_s()
    share = single_pass.fold_share(history, cfg, EVERYTHING)
    used = cpu_s() - started
    n = len(history.sized)
    if share.sized.identical != n or share.decisions.identical != n:
        raise SystemExit(
            f"not clean: {share.sized.identical} and {share.decisions.identical} of {n}"
        )
    return used


@contextmanager
def patched(changes: list[tuple[Any, str, Any]]) -> Iterator[None]:
    """Attributes set for the block, then restored."""
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in changes]
    for owner, name, value in changes:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def keeping(sized: Answers, decided: Answers) -> list[tuple[Any, str, Any]]:
    """The core as it is, each recomputed answer kept with its JSON."""
    stage1, stage2 = single_pass._sized_again, books._decide

    def sized_again(*args: Any) -> tuple[dict[str, Any], bool]:
        expected, same = stage1(*args)
        sized[args[3]] = (expected, orjson.dumps(expected))
        return expected, same

    def decide(doc: dict[str, Any], *args: Any) -> dict[str, Any]:
        expected = stage2(doc, *args)
        decided[doc["decision_id"]] = (expected, orjson.dumps(expected))
        return expected

    return [(single_pass, "_sized_again", sized_again), (books, "_decide", decide)]


def core_free(sized: Answers, decided: Answers) -> list[tuple[Any, str, Any]]:
    """The kept answers in place of the core; the tails are still read, the digests compared."""

    def sized_again(sig: Any, signal_rec: Any, rec: Any, decision_id: str, *rest: Any) -> Any:
        rec.tail("reads", "config_version", memo=rest[-1])
        expected, data = sized[decision_id]
        return expected, rec.same(data)

    def decide(doc: dict[str, Any], *args: Any) -> dict[str, Any]:
        return decided[doc["decision_id"]][0]

    def compare_record(self: Comparison, decision_id: str, recorded: Any, expected: Any) -> None:
        self.tally(decision_id, recorded, expected, recorded.same(decided[decision_id][1]))

    return [(single_pass, "_sized_again", sized_again), (books, "_decide", decide),
            (Comparison, "compare_record", compare_record)]  # fmt: skip


def timed(what: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), cpu_s()
    found = what()
    return found, time.perf_counter() - wall, cpu_s() - cpu


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--signals", type=int, default=200_000)
    p.add_argument("--readers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args()
    n, cores = args.signals, os.cpu_count() or 1
    with EmbeddedBroker("kafka") as broker:
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
               "HIMARI_L3__TOPICS__PREFIX": PREFIX}  # fmt: skip
        cfg = load_config(env=env)
        produce(broker.bootstrap_servers, n, cfg, cfg.topics.partitions)
        jvm = broker_cpu_s(broker.pid)
        with Progress(disable=True) as progress:
            read, read_wall, read_cpu = timed(
                lambda: read_recorded(cfg, progress, args.readers, digests=True)
            )
        jvm = broker_cpu_s(broker.pid) - jvm
    inputs = {t: read[t] for t in INPUT_TOPICS}
    history, _, index_cpu = timed(
        lambda: read_history(inputs, read[Topic.SIZED], read[Topic.DECISIONS], cfg)
    )
    if len(history.sized) != n:
        raise SystemExit(f"read {len(history.sized):,} sized records of {n:,}")
    gc.freeze()
    sized: Answers = {}
    decided: Answers = {}
    with collector_off():
        folds = [fold_cpu_s(history, cfg) for _ in range(args.repeat)]
        with patched(keeping(sized, decided)):
            fold_cpu_s(history, cfg)
        with patched(core_free(sized, decided)):
            frees = [fold_cpu_s(history, cfg) for _ in range(args.repeat)]
    report(n, cores, read_cpu, read_wall, jvm, index_cpu, statistics.median(folds),
           statistics.median(frees))  # fmt: skip
    return 0


def report(
    n: int, cores: int, read: float, read_wall: float, jvm: float, index: float, fold: float,
    free: float,
) -> None:  # fmt: skip
    us = 1e6 / n
    print(f"{n:,} signals, {cores} cores; CPU a signal (medians of the folds):")
    print(f"  read           {read * us:6.1f} µs  ({read_wall:.1f} s wall; the broker's own "
          f"{jvm * us:.1f} µs)")  # fmt: skip
    print(f"  index          {index * us:6.1f} µs")
    print(f"  fold           {fold * us:6.1f} µs")
    print(f"  fold, core free{free * us:6.1f} µs  (the core, its records and their JSON: "
          f"{(fold - free) * us:.1f} µs, {(fold - free) / fold:.0%} of the fold)")  # fmt: skip
    rest = read + jvm + index
    for label, folding in (("as it is", fold), ("with a core that took no time", free)):
        total = (rest + folding) * 1_000_000 / n
        best = total / cores
        verdict = "within" if best < TARGET_S else "over"
        print(f"1,000,000 signals {label}: {total:.0f} s of CPU, so at best {best:.0f} s wall on "
              f"{cores} cores: {verdict} the {TARGET_S:.0f} s target")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
