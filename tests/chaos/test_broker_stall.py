"""The broker frozen (SIGSTOP) for 20 s mid-stream: the same worker process rides it out by
itself, with no restart, and the three checks of DESIGN §6 hold."""

import asyncio

import pytest

from streams.topic_admin import ensure_topics
from tests.chaos.chaos_run import publish
from tests.chaos.checks import assert_nothing_lost_nothing_doubled
from tests.chaos.workload import messages

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.timeout(600)]

SIGNALS = 10_000
STALL_S = 20.0


def test_worker_recovers_by_itself_from_a_twenty_second_broker_stall(kafka, worker_factory) -> None:
    worker = worker_factory()
    inputs = messages(SIGNALS)

    async def stall_while_publishing() -> None:
        await ensure_topics(worker.config)
        worker.start()
        feed = asyncio.create_task(publish(kafka.bootstrap_servers, worker, inputs, rate=1_000))
        await asyncio.sleep(4.0)
        kafka.pause()
        try:
            await asyncio.sleep(STALL_S)
        finally:
            kafka.resume()
        await feed

    asyncio.run(stall_while_publishing())
    assert worker.proc is not None and worker.proc.poll() is None, worker.logs()[-3000:]
    assert worker.logs().count("[^Worker]: Starting...") == 1
    assert_nothing_lost_nothing_doubled(worker, SIGNALS)
