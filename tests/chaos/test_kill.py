"""Kill -9 at random moments while signals flow (DESIGN §6): nothing lost, nothing doubled.

The reference is an uninterrupted run of the pure core over the same input, in the order the
worker took: topics interleave as the consumer fetched them, which no rerun can repeat, so each
decision is recomputed against the table entries its lineage names (himari_l3.audit).
"""

import asyncio
import random

import pytest

from streams.topic_admin import ensure_topics
from tests.chaos.chaos_run import (
    AUDITED_TABLES,
    Chaos,
    audit_run,
    book_state,
    lag,
    publish,
    ranges,
    wait_for_decisions,
)
from tests.chaos.workload import messages

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.timeout(900)]

SIGNALS = 20_000
KILLS = 6


def test_worker_killed_six_times_loses_nothing_and_doubles_nothing(kafka, worker_factory) -> None:
    worker = worker_factory()
    chaos = Chaos(worker, random.Random(2026))
    inputs = messages(SIGNALS)

    async def kill_while_publishing() -> None:
        await ensure_topics(worker.config)
        feed = asyncio.create_task(publish(kafka.bootstrap_servers, worker, inputs, rate=1_000))
        for n in range(KILLS):
            await chaos.kill_after(ready=n % 3 != 0)
        await feed

    asyncio.run(kill_while_publishing())
    worker.start()
    decided = wait_for_decisions(worker, SIGNALS)
    behind = asyncio.run(lag(worker))
    worker.stop()
    result, tables = audit_run(worker)

    print(f"kills: {chaos.kills}; decided {decided}; not committed: {behind}")
    print(f"no sized record: {ranges(result.sized.missing, result.triggers)}")
    print(f"no decision: {ranges(result.decisions.missing, result.triggers)}")
    # (1) every valid tactical signal has a decision
    assert len(result.triggers) == SIGNALS
    assert result.sized.missing == [] and result.decisions.missing == []
    # (2) copies of a decision are identical, and equal the uninterrupted run's field for field
    assert result.sized.unequal_copies == [] and result.decisions.unequal_copies == []
    assert dict(list(result.sized.different.items())[:5]) == {}
    assert dict(list(result.decisions.different.items())[:5]) == {}
    assert result.decisions.identical == SIGNALS
    # (3) the final table state equals the uninterrupted run's
    for name in AUDITED_TABLES:
        assert tables[name] == result.entries.latest[name], name
    assert {p: book_state(b) for p, b in tables["ensemble"].items()} == {
        p: book_state(b) for p, b in result.books.items()
    }
    assert len(chaos.kills) >= 5
