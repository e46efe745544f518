"""The aiokafka transport with a configurable fetch wait (faust hard-codes 1,500 ms), and
read_committed with no commits of faust's own under exactly_once.

Registered under the `himari://` broker scheme (see `streams.app.broker_url`).
"""

from collections.abc import Mapping
from typing import Any

import aiokafka
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

DEFAULT_FETCH_MAX_WAIT_MS = 100


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _fetch_wait(self) -> int:
        return int(getattr(self.app, "fetch_max_wait_ms", DEFAULT_FETCH_MAX_WAIT_MS))

    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Read by aiokafka when its fetcher starts, so setting them before start() is enough.
        consumer._fetch_max_wait_ms = self._fetch_wait()
        if getattr(self.app, "exactly_once", False):
            # Stage 2 and table recovery must not see a transaction that may yet abort.
            consumer._isolation_level = "read_committed"
        return consumer

    def _create_client_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_client_consumer(transport)
        consumer._fetch_max_wait_ms = self._fetch_wait()
        return consumer


class Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _commit(self, offsets: Mapping[TP, int]) -> bool:
        if getattr(self.app, "exactly_once", False):
            # Each delivery's transaction commits its inputs' offsets (streams.transactions);
            # a commit of faust's own, outside them, could move the group past or behind one.
            return True
        return bool(await super()._commit(offsets))


class Transport(faust_aiokafka.Transport):
    Consumer = Consumer
