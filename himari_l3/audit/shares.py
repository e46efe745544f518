"""A replay split into shares that fold in parallel, one process each.

A portfolio's book depends on every sized record of its partition before it, and on nothing
else: so a share is a set of whole sized partitions, folded in their order exactly as one
process folds them. The processes are forked once the history is read, so they share it
instead of copying it.
"""

import gc
from collections import Counter
from collections.abc import Callable

from himari_l3 import forked
from himari_l3.audit.history import History
from himari_l3.audit.single_pass import WHOLE, Share, ShareSpec
from himari_l3.collector import collector_off
from sizing.refs import InputRef

Tick = Callable[[], None] | None
Work = Callable[[ShareSpec, Tick], Share]
Progress = Callable[[int, int], None]  # (sized records folded, of all)
_Refs = dict[str, tuple[str, int, int]]
_TICKS = 2_000  # sized records a process folds between two reports of its progress


def plan(history: History, jobs: int) -> list[ShareSpec]:
    """At most `jobs` shares of about equal work: the largest partitions first, each to the
    share with the fewest sized records so far."""
    counts = Counter(rec.partition for rec in history.sized.values())
    shares = min(jobs, len(counts))
    if shares <= 1:
        return [WHOLE]
    load, parts = [0] * shares, [set[int]() for _ in range(shares)]
    for partition, n in counts.most_common():
        least = load.index(min(load))
        load[least] += n
        parts[least].add(partition)
    return [ShareSpec(frozenset(p), i, shares) for i, p in enumerate(parts)]


def run(specs: list[ShareSpec], work: Work, total: int, progress: Progress | None) -> list[Share]:
    """Each share's findings, folded in this process when there is one share."""
    # The history is only read from here on: the collector need not scan it again (a scan of
    # millions of records every few thousand allocations), and forked children keep its pages
    # shared instead of copying them as the collector touches them. The fold makes no cycles
    # (its answers are trees of dicts), so it runs with the collector off (3 % of its time).
    gc.freeze()
    try:
        with collector_off():
            if len(specs) == 1:
                return [work(specs[0], _counter(progress, total))]
            return _forked_run(specs, total, progress, work)
    finally:
        gc.unfreeze()


def _forked_run(
    specs: list[ShareSpec], total: int, progress: Progress | None, work: Work
) -> list[Share]:
    def task(spec: ShareSpec) -> Callable[[forked.Moved], tuple[Share, _Refs]]:
        return lambda moved: _portable(work(spec, _every(_TICKS, moved)))

    report = None if progress is None else (lambda done: progress(done, total))
    return [_unpacked(*found) for found in forked.run([task(s) for s in specs], report)]


def _portable(share: Share) -> tuple[Share, _Refs]:
    """Core values do not pickle: the books stay in the child (only tests look at them), and
    the triggers travel as tuples."""
    share.books = {}
    refs = {i: (r.topic, r.partition, r.offset) for i, r in share.triggers.items()}
    share.triggers = {}
    return share, refs


def _unpacked(share: Share, refs: _Refs) -> Share:
    share.triggers = {i: InputRef(*ref) for i, ref in refs.items()}
    return share


def _counter(progress: Progress | None, total: int) -> Tick:
    if progress is None:
        return None
    return _every(_TICKS, lambda count: progress(count, total), total)


def _every(ticks: int, moved: forked.Moved, last: int = -1) -> Callable[[], None]:
    """A tick that counts, and reports the count every `ticks` ticks and at `last`."""
    count = 0

    def tick() -> None:
        nonlocal count
        count += 1
        if count % ticks == 0 or count == last:
            moved(count)

    return tick
