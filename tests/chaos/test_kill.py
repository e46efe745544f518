"""Kill -9 at random moments while signals flow (DESIGN §6): nothing lost, nothing doubled.

The reference is an uninterrupted run of the pure core over the same input, in the order the
worker took: topics interleave as the consumer fetched them, which no rerun can repeat, so each
decision is recomputed against the table entries its lineage names (himari_l3.audit).
"""

import asyncio
import random

import pytest

from streams.topic_admin import ensure_topics
from tests.chaos.chaos_run import Chaos, publish
from tests.chaos.checks import assert_nothing_lost_nothing_doubled
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
    print(f"kills: {chaos.kills}")
    assert len(chaos.kills) >= 5
    worker.start()
    assert_nothing_lost_nothing_doubled(worker, SIGNALS)
