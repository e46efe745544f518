"""The three checks of DESIGN §6 after a chaos run, read back from the broker.

(1) every valid tactical signal has a decision; (2) copies of a decision are identical and equal,
field for field, the uninterrupted run's (the pure core recomputed by lineage); (3) the final
table state equals the uninterrupted run's.
"""

import asyncio
import pickle

from himari_l3.audit.recorded import Recorded
from schemas.topics import Topic
from tests.chaos.chaos_run import (
    AUDITED_TABLES,
    audit_run,
    book_state,
    capture,
    ranges,
    wait_for_decisions,
    wait_for_inputs,
)
from tests.integration.harness import Worker


def assert_nothing_lost_nothing_doubled(worker: Worker, signals: int) -> dict[str, list[Recorded]]:
    """Wait for `signals` decisions from the running `worker`, stop it, then audit everything.

    Returns every record the broker holds, by topic."""
    decided = wait_for_decisions(worker, signals)
    # Every decision is out, but a state input may still be queued: (3) compares the tables
    # once all of it is applied.
    behind = wait_for_inputs(worker)
    worker.stop()
    print(f"decided {decided}; not committed: {behind}")
    captured = asyncio.run(capture(worker))
    try:
        _check(worker, signals, captured)
    except BaseException:
        # What the broker held, for a post-mortem beside the worker's log (worker.log).
        dump = worker.workdir / "captured.pkl"
        dump.write_bytes(pickle.dumps(captured))
        print(f"captured topics: {dump}")
        raise
    return captured


def _check(worker: Worker, signals: int, captured: dict[str, list[Recorded]]) -> None:
    result, tables = audit_run(worker, captured)
    print(f"no sized record: {ranges(result.sized.missing, result.triggers)}")
    print(f"no decision: {ranges(result.decisions.missing, result.triggers)}")
    # (1)
    assert result.signals == signals
    assert result.sized.missing == [] and result.decisions.missing == []
    # (2)
    assert result.sized.unequal_copies == [] and result.decisions.unequal_copies == []
    assert dict(list(result.sized.different.items())[:5]) == {}
    assert dict(list(result.decisions.different.items())[:5]) == {}
    assert result.decisions.identical == signals
    if worker.config.kafka.exactly_once:  # read_committed: not even identical copies
        sized, decisions = (captured[worker.topic(t)] for t in (Topic.SIZED, Topic.DECISIONS))
        print(f"committed copies: {len(sized)} sized records, {len(decisions)} decisions")
        assert (len(sized), len(decisions)) == (signals, signals)
    # (3)
    for name in AUDITED_TABLES:
        assert tables[name] == result.entries.latest[name], name
    assert {p: book_state(b) for p, b in tables["ensemble"].items()} == {
        p: book_state(b) for p, b in result.books.items()
    }
