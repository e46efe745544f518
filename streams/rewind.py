"""The shell side of `streams.frontier`: ask the broker, rewind faust, watch for stalls.

Rewinding is always safe: records refetched after a rewind are placed SEEN or fenced by the
tables. Skipping is never safe, so every doubt is settled by a rewind.
"""

import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.types import TP

from himari_l3 import kafka_clients
from schemas.config import KafkaConfig
from streams import metrics
from streams.frontier import Frontier, Partition, Place
from streams.log_ends import fetched_ends

log = logging.getLogger(__name__)
# aiokafka logs every assignment of the probe consumer at INFO: one table per watchdog round.
logging.getLogger("aiokafka.consumer.subscription_state").setLevel(logging.WARNING)

PROBE_TIMEOUT_MS = 5_000
WATCH_PROBE_MS = 1_000


class Rewinder:
    """Places each record against the frontier and puts faust back where the records are."""

    def __init__(self, app: Any, kafka: KafkaConfig) -> None:
        self.app = app
        self.frontier: Frontier = app.frontier
        self.kafka = kafka
        self._probe: AIOKafkaConsumer | None = None
        self._progress: dict[Partition, int] = {}

    async def settle(self, message: Any) -> Place:
        """For a record placed AHEAD: NEXT when the records before it do not exist, else AHEAD
        (leave it unacked) with faust rewound to them. Only AHEAD records come here."""
        tp, offset = (message.topic, message.partition), message.offset
        expected = self.frontier.next[tp]
        # One probe per frontier position: the records still queued behind a rewind ask no more.
        if (tp, expected) not in self.frontier.first_existing:
            first = await self._first_existing(tp, expected)
            if first is not None:
                self.frontier.learn(tp, expected, first)
        place = self.frontier.place(tp, offset)
        if place is Place.AHEAD:
            await self._rewind(tp, "skipped", f"got offset {offset}")
        return place

    async def watch(self) -> None:
        """Rewind held partitions that have records waiting but made no progress since the
        last call: faust moved past their records and fetches nothing more."""
        held = dict(self.frontier.next)
        if not held:
            return
        ends = await fetched_ends(await self._consumer(), held)
        for tp in self.frontier.behind(ends):
            if self._progress.get(tp) != held[tp]:
                continue
            # Offsets past the frontier may hold transaction markers only: nothing to wait for.
            if await self._first_existing(tp, held[tp], WATCH_PROBE_MS) is None:
                continue
            self.frontier.rewind_again(tp)  # a rewind that did not take
            await self._rewind(tp, "stalled", f"log ends at {ends[tp]}")
        self._progress = held

    async def _rewind(self, tp: Partition, reason: str, detail: str) -> None:
        to = self.frontier.needs_rewind(tp)
        if to is None:
            return
        log.warning(
            "%s/%d: records from offset %d were %s (%s): rewinding", *tp, to, reason, detail
        )
        metrics.REWINDS.labels(tp[0], reason).inc()
        consumer = self.app.consumer
        # faust's gap tracking would otherwise count the skipped records as acknowledged.
        consumer._gap.pop(TP(*tp), None)
        # aiokafka runs in faust's consumer thread: `seek` from this loop races its fetcher
        # (a KeyError that crashed it, or a wake-up lost for good); seek_wait seeks in there.
        await consumer.seek_wait({TP(*tp): to})

    async def _first_existing(
        self, tp: Partition, offset: int, timeout_ms: int = PROBE_TIMEOUT_MS
    ) -> int | None:
        probe, part = await self._consumer(), TopicPartition(*tp)
        probe.assign([part])
        probe.seek(part, offset)
        found = await probe.getmany(part, timeout_ms=timeout_ms, max_records=1)
        records = found.get(part)
        return records[0].offset if records else None

    async def _consumer(self) -> AIOKafkaConsumer:
        if self._probe is None:
            probe = kafka_clients.consumer(
                self.kafka, enable_auto_commit=False, isolation_level=self._isolation()
            )
            await probe.start()
            self._probe = probe
        return self._probe

    def _isolation(self) -> str:
        return "read_committed" if self.kafka.exactly_once else "read_uncommitted"
