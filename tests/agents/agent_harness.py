"""Harness for the agent tests: faust-shaped messages, a recording producer, the built app.

Two ways in, both without a broker:

* `Shell` drives the registered app's handlers (`symbol_inputs.handle`,
  `portfolio_inputs.handle`) one `faust.types.tuples.Message` at a time, exactly as
  `agents.batching.consume` calls them, against the real faust tables created by
  `streams.worker.build`; `Shell.deliver()` runs `Outbox.deliver` into a `FakeProducer`.
  This covers decoding, dead-lettering, fencing, table writes, record building and the
  outbox, fast and deterministically.
* `test_agent_consume_loop.py` runs the real agents through `agent.test_context()`: the
  consume loop (`noack_take` batching, delivery through `app.producer`, acks after
  delivery, crash on a failed delivery) is exercised in-process for whole batches.
"""

import asyncio
import tempfile
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import faust
import orjson
from faust.types.tuples import TP, Message

from agents import portfolio_inputs, symbol_inputs
from schemas.config import Layer3Config, WorkerConfig
from schemas.topics import CONTRACT, Topic
from streams.codecs import StateCodec
from streams.outbox import Outbox
from streams.runtime import Runtime
from streams.tables import TABLE_STATES
from streams.worker import build

TS0 = 1_763_700_000_000_000_000
_UNSET: Any = object()


def config(**worker: Any) -> Layer3Config:
    data_dir = f"{tempfile.gettempdir()}/himari-agent-tests"
    return Layer3Config(worker=WorkerConfig(metrics_port=0, data_dir=data_dir, **worker))


def handler_for(topic: Topic) -> Any:
    return (
        portfolio_inputs.handle
        if topic in (Topic.PORTFOLIO, Topic.CONTROL, Topic.SIZED)
        else symbol_inputs.handle
    )


@dataclass(frozen=True)
class Sent:
    """One `producer.send(topic, key, value, partition, timestamp, headers)` call."""

    topic: str
    key: bytes | None
    value: bytes | None
    partition: int | None
    timestamp: float | None
    headers: Any

    def doc(self) -> Any:
        return orjson.loads(self.value)


class FakeProducer:
    """Stands in for `app.producer`: records sends; futures complete at once unless held."""

    def __init__(self, *, hold: bool = False, fail: Exception | None = None) -> None:
        self.sent: list[Sent] = []
        self.hold, self.fail = hold, fail
        self.pending: list[asyncio.Future[None]] = []

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        partition: int | None,
        timestamp: Any,
        headers: Any,
    ) -> asyncio.Future[None]:
        self.sent.append(Sent(topic, key, value, partition, timestamp, headers))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.fail is not None:
            future.set_exception(self.fail)
        elif self.hold:
            self.pending.append(future)
        else:
            future.set_result(None)
        return future

    def release(self) -> None:
        for future in self.pending:
            if not future.done():
                future.set_result(None)

    def to(self, topic: str) -> list[Sent]:
        return [s for s in self.sent if s.topic == topic]


class AckRecorder(faust.Sensor):
    """Records every message a stream acknowledges: (topic, partition, offset)."""

    def __init__(self) -> None:
        super().__init__()
        self.acked: list[tuple[str, int, int]] = []

    def on_message_out(self, tp: TP, offset: int, message: Message) -> None:
        self.acked.append((tp.topic, tp.partition, offset))


@dataclass
class Shell:
    """The app `build()` registers, with its handlers fed one faust Message at a time."""

    cfg: Layer3Config = field(default_factory=config)
    app: faust.App = field(init=False)
    rt: Runtime = field(init=False)
    outbox: Outbox = field(default_factory=Outbox)
    producer: FakeProducer = field(default_factory=FakeProducer)
    next_offset: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    fed: list[Message] = field(default_factory=list)  # every message handled, in order

    def __post_init__(self) -> None:
        self.app, self.rt = build(self.cfg)

    def name(self, topic: Topic) -> str:
        return self.rt.names[topic]

    def message(
        self,
        topic: Topic,
        value: dict[str, Any] | bytes | None,
        *,
        key: bytes | None = _UNSET,
        partition: int | None = None,
        offset: int | None = None,
    ) -> Message:
        """A record as the consumer hands it over; key, partition and offset follow the contract."""
        if key is _UNSET:
            key_field = CONTRACT[topic].key_field
            key = str(value[key_field]).encode() if isinstance(value, dict) and key_field else None
        if partition is None:
            partition = zlib.crc32(key or b"") % self.cfg.topics.partitions
        name = self.name(topic)
        if offset is None:
            offset = self.next_offset[(name, partition)]
        self.next_offset[(name, partition)] = max(self.next_offset[(name, partition)], offset + 1)
        raw = orjson.dumps(value) if isinstance(value, dict) else value
        return Message(
            name, partition, offset, time.time(), 0, None, key, raw, None,
            generation_id=self.app.consumer_generation_id,
        )  # fmt: skip

    def handle(self, message: Message) -> Message:
        handler_for(self.rt.topics[message.topic])(message, self.rt, self.outbox)
        self.fed.append(message)
        return message

    def feed(self, topic: Topic, value: dict[str, Any] | bytes | None, **where: Any) -> Message:
        return self.handle(self.message(topic, value, **where))

    def deliver(self) -> list[Sent]:
        """Deliver the batch staged so far; returns what it sent."""
        before = len(self.producer.sent)
        asyncio.run(self.outbox.deliver(self.producer))
        return self.producer.sent[before:]

    def sent_docs(self, topic: Topic) -> list[dict[str, Any]]:
        return [s.doc() for s in self.producer.to(self.name(topic))]

    def restore(self, changelog: list[Sent]) -> None:
        """Load table entries from changelog records, as faust's recovery does after a restart."""
        for record in changelog:
            if record.topic.endswith("-changelog"):
                name = record.topic.removeprefix(f"{self.cfg.worker.app_id}-")
                name = name.removesuffix("-changelog")
                data = getattr(self.rt.tables, name).data
                if record.value is None:  # a tombstone
                    data.pop(record.key.decode(), None)
                else:
                    data[record.key.decode()] = StateCodec(TABLE_STATES[name])._loads(record.value)

    def pass_sized_on(self, sent: list[Sent]) -> None:
        """Feed the sized records just sent to the portfolio handler, as the broker would."""
        for s in sent:
            if s.topic == self.name(Topic.SIZED):
                self.feed(Topic.SIZED, s.value, key=s.key)


def onchain(symbol: str = "BTC-USD", ts: int = TS0, **over: Any) -> dict[str, Any]:
    doc = {
        "symbol": symbol,
        "timestamp_ns": ts,
        "funding_rate": 0.0001,
        "oi_change_pct": 0.01,
        "volume_ratio": 1.0,
        "onchain_whale_pressure": 0.3,
        "exchange_netflow_zscore": 0.2,
    }
    return {**doc, **over}


def without_marks(sent: list[Sent]) -> list[Sent]:
    """The records of a delivery but the expiry sweeps' marks (sizing.entry_expiry)."""
    return [s for s in sent if not (s.key or b"").startswith(b"|swept|")]


def regime(name: str, symbol: str = "BTC-USD", ts: int = TS0) -> dict[str, Any]:
    return {"symbol": symbol, "regime": name, "timestamp_ns": ts}


def sentiment(symbol: str = "BTC-USD", ts: int = TS0, trend: str = "bullish") -> dict[str, Any]:
    return {"symbol": symbol, "trend": trend, "strength": 0.5, "timestamp_ns": ts}


def tactical(symbol: str = "BTC-USD", ts: int = TS0, **over: Any) -> dict[str, Any]:
    doc = {
        "strategy_id": "momentum_v2",
        "symbol": symbol,
        "action": "BUY",
        "confidence": 0.7,
        "risk_score": 0.2,
        "price": 50_000.0,
        "timestamp_ns": ts,
    }
    return {**doc, **over}


def outcome(realized: float, symbol: str = "BTC-USD", ts: int = TS0, **over: Any) -> dict[str, Any]:
    doc = {
        "strategy_id": "momentum_v2",
        "symbol": symbol,
        "realized_return": realized,
        "timestamp_ns": ts,
    }
    return {**doc, **over}


def snapshot(
    equity: float = 250_000.0, portfolio_id: str = "default", ts: int = TS0
) -> dict[str, Any]:
    return {
        "portfolio_id": portfolio_id,
        "equity_usd": equity,
        "positions": {"BTC-USD": {"quantity": 1.0, "market_value_usd": 50_000.0}},
        "realized_pnl_today_usd": 0.0,
        "timestamp_ns": ts,
    }
