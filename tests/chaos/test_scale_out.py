"""Two workers in one group, one killed mid-stream: the survivor takes over its partitions with
their state recovered from the changelogs, and the three checks of DESIGN §6 hold."""

import asyncio
import signal

import orjson
import pytest

from schemas.topics import Topic
from streams.topic_admin import ensure_topics
from tests.chaos.chaos_run import assigned, publish
from tests.chaos.checks import assert_nothing_lost_nothing_doubled
from tests.chaos.workload import messages

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.timeout(600)]

SIGNALS = 10_000


# fund-b and fund-c share a partition (of 8): with room for one, the other is refused
# throughout, and the audit recomputes its refusals like every other decision.
ONE_PORTFOLIO_A_PARTITION = {"HIMARI_L3__SIZING__MAX_PORTFOLIOS_PER_PARTITION": "1"}


def test_survivor_takes_over_a_killed_workers_partitions_and_state(kafka, worker_factory) -> None:
    doomed = worker_factory(**ONE_PORTFOLIO_A_PARTITION)
    survivor = worker_factory(prefix=doomed.prefix, **ONE_PORTFOLIO_A_PARTITION)
    inputs = messages(SIGNALS)

    async def kill_one_while_publishing() -> None:
        await ensure_topics(doomed.config)
        for w in (doomed, survivor):
            w.start(wait=False)
        await asyncio.gather(*(asyncio.to_thread(w.wait_ready) for w in (doomed, survivor)))
        feed = asyncio.create_task(publish(kafka.bootstrap_servers, doomed, inputs, rate=1_000))
        await asyncio.sleep(4.0)
        assert doomed.proc is not None
        doomed.proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(doomed.proc.wait)
        await feed

    asyncio.run(kill_one_while_publishing())
    held = assigned(doomed, Topic.TACTICAL)
    print(
        f"the killed worker held {held[-1]}; the survivor's assignments: {assigned(survivor, Topic.TACTICAL)}"
    )
    assert held and held[-1], "the killed worker never held a partition: nothing was taken over"
    captured = assert_nothing_lost_nothing_doubled(survivor, SIGNALS)
    assert assigned(survivor, Topic.TACTICAL)[-1] == set(range(doomed.config.topics.partitions))
    refused = {
        doc["portfolio_id"]
        for rec in captured[survivor.topic(Topic.DECISIONS)]
        if "portfolio_limit" in (doc := orjson.loads(rec.value))["reasons"]
    }
    dead = {
        orjson.loads(rec.value)["error_type"] for rec in captured[survivor.topic(Topic.DEADLETTER)]
    }
    assert len(refused) == 1 and refused < {"fund-b", "fund-c"}
    assert dead == {"over_capacity"}
