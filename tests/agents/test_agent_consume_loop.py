"""The real agents run in-process through faust's `agent.test_context()`, no broker.

`agents.batching.consume` itself is covered here: `stream.noack_take` batching, handling,
`Outbox.deliver` through `app.producer` (a `FakeProducer` set on the app), acks only after
every send is acknowledged (seen by a faust Sensor's `on_message_out`), and a failed
delivery crashing the app with nothing acked. Records are put on the test channel as faust
Messages carrying the real topic names, partitions and offsets (`put()` would name the topic
'<internal>', which the handlers do not know), with the consumer's generation id so the
stream does not drop them. The handler-level files cover the rest in finer detail.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from agent_harness import (
    AckRecorder,
    FakeProducer,
    Shell,
    config,
    onchain,
    regime,
    snapshot,
    tactical,
)

from schemas.enums import Regime
from schemas.outputs import SizingDecision
from schemas.topics import Topic
from streams import fail_fast
from streams.worker import build


@dataclass
class Live:
    shell: Shell
    agent: Any
    acks: AckRecorder

    async def put(self, topic: Topic, value: Any, **where: Any) -> tuple[str, int, int]:
        message = self.shell.message(topic, value, **where)
        channel = self.agent.stream().channel
        await channel.put(await channel.decode(message))
        return message.topic, message.partition, message.offset

    async def until(self, done: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not done():
                if self.agent._crash_reason is not None:
                    raise AssertionError(f"agent crashed: {self.agent._crash_reason!r}")
                await asyncio.sleep(0.005)


@asynccontextmanager
async def running(agent_name: str, producer: FakeProducer, **worker: Any) -> AsyncIterator[Live]:
    shell = Shell(config(**worker))
    shell.app.producer = producer
    acks = AckRecorder()
    shell.app.sensors.add(acks)
    async with shell.app.agents[agent_name].test_context() as agent:
        yield Live(shell, agent, acks)


def test_symbol_agent_consumes_a_batch_end_to_end() -> None:
    producer = FakeProducer()

    async def scenario() -> Live:
        async with running("symbol_inputs", producer, batch_within_s=0.2) as live:
            refs = [await live.put(Topic.REGIME, regime("TRENDING_UP")) for _ in range(3)]
            refs.append(await live.put(Topic.ONCHAIN, onchain()))
            refs.append(await live.put(Topic.TACTICAL, tactical()))
            refs.append(await live.put(Topic.TACTICAL, b"{oops", key=b"BTC-USD"))
            await live.until(lambda: len(live.acks.acked) == len(refs))
            assert sorted(live.acks.acked) == sorted(refs)
            return live

    live = asyncio.run(scenario())
    sent = [(s.topic, s.key) for s in producer.sent]
    # one batch: the three regime writes to BTC-USD leave one changelog record; the first input
    # of each table partition also marks its (empty) expiry sweep
    p = live.shell.message(Topic.REGIME, regime("TRENDING_UP")).partition
    assert sorted(sent) == sorted(
        [
            ("himari.l3.sized", b"default"),
            ("himari.l3.deadletter", b"BTC-USD"),
            ("himari-l3-regime-changelog", b"BTC-USD"),
            ("himari-l3-regime-changelog", f"|swept|{p}".encode()),
            ("himari-l3-cascade-changelog", b"BTC-USD"),
            ("himari-l3-cascade-changelog", f"|swept|{p}".encode()),
            ("himari-l3-sized_replies-changelog", str(p).encode()),
        ]
    )
    [sized] = producer.to("himari.l3.sized")
    assert (sized.key, sized.doc()["regime"]) == (b"default", "TRENDING_UP")
    assert live.shell.rt.tables.regime.data["BTC-USD"].current is Regime.TRENDING_UP


def test_inputs_are_acked_only_after_their_sends_are_acknowledged() -> None:
    producer = FakeProducer(hold=True)

    async def scenario() -> None:
        async with running("symbol_inputs", producer) as live:
            ref = await live.put(Topic.REGIME, regime("RANGING"))
            await live.until(lambda: len(producer.sent) == 1)
            await asyncio.sleep(0.1)
            assert live.acks.acked == []
            producer.release()  # the entry; then its partition's sweep mark
            await live.until(lambda: len(producer.sent) == 2)
            assert live.acks.acked == []
            producer.release()
            await live.until(lambda: live.acks.acked == [ref])

    asyncio.run(scenario())


def test_failed_delivery_stops_the_process_and_acks_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    producer = FakeProducer(fail=ConnectionError("broker gone"))
    crashes: list[BaseException] = []
    # The real stop_now ends the process (os._exit); here it only records why.
    monkeypatch.setattr(fail_fast, "stop_now", lambda why, exc: crashes.append(exc))

    async def scenario() -> None:
        async with running("symbol_inputs", producer) as live:
            await live.put(Topic.REGIME, regime("RANGING"))
            async with asyncio.timeout(5):
                while live.agent._crash_reason is None:
                    await asyncio.sleep(0.005)
            assert isinstance(live.agent._crash_reason, ConnectionError)
            assert live.acks.acked == []

    asyncio.run(scenario())
    assert [str(e) for e in crashes] == ["broker gone"]


def test_both_agents_turn_inputs_into_a_decision() -> None:
    first, second = FakeProducer(), FakeProducer()

    async def scenario() -> SizingDecision:
        async with running("symbol_inputs", first) as live:
            await live.put(Topic.REGIME, regime("TRENDING_UP", "SOL-USD"))
            await live.put(Topic.ONCHAIN, onchain("SOL-USD"))
            trigger = await live.put(
                Topic.TACTICAL, tactical("SOL-USD", price=100.0, portfolio_id="fund-b")
            )
            await live.until(lambda: len(live.acks.acked) == 3)
        [sized] = first.to("himari.l3.sized")
        async with running("portfolio_inputs", second) as live:
            await live.put(Topic.PORTFOLIO, snapshot(300_000.0, "fund-b"))
            await live.put(Topic.SIZED, sized.value, key=sized.key)
            await live.until(lambda: len(live.acks.acked) == 2)
        [out] = second.to("himari.l3.decisions")
        assert out.key == b"SOL-USD"
        decision = SizingDecision.model_validate_json(out.value)
        assert (decision.lineage.trigger.topic, decision.lineage.trigger.offset) == (
            trigger[0],
            trigger[2],
        )
        return decision

    decision = asyncio.run(scenario())
    assert decision.portfolio_id == "fund-b" and decision.side.value == "LONG"
    assert decision.components["budgets"]["equity_usd"] == 300_000.0
    assert decision.target_quantity == decision.target_position_usd / 100.0


def test_app_builds_with_the_web_server_disabled() -> None:
    # web_port 0 means "off" in the config; faust's Port setting rejects 0 (was streams/app.py:52)
    app, _ = build(config(web_port=0))
    assert app.conf.web_enabled is False
