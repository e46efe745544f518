"""Faust's table recovery, ending in an order that cannot skip input records.

faust-streaming 0.15 ends recovery by resuming the stream partitions, then awaiting a seek to
their committed offsets, then resuming flow control, which clears every stream queue. Records
fetched in between are cleared from the queues while the fetch position is already past them:
no agent sees them, and faust's gap tracking commits over the hole. The kill test caught this
(stage 2 lost a range of sized records; faust-streaming/faust#596 is the same family). Here the
stream partitions stay paused through the seek and the clear, so nothing is fetched too early.
"""

import asyncio
from typing import Any, cast

from faust.tables.manager import TableManager
from faust.tables.recovery import Recovery

from streams.log_ends import last_visible, log_ends


class OrderedRecovery(Recovery):
    async def on_recovery_completed(self, generation_id: int = 0) -> None:
        self.log.info("Restore complete!")
        await self.app.on_rebalance_complete.send()
        self._set_recovery_ended()
        callbacks = [
            asyncio.ensure_future(
                table.on_recovery_completed(
                    self.actives_for_table[table], self.standbys_for_table[table]
                )
            )
            for table in self.tables.values()
        ]
        if callbacks:
            await asyncio.wait(callbacks)
        if await self._start_streams(generation_id):
            await self._ready(standbys=not self.app.assignor.assigned_standbys())

    async def _resume_streams(self, generation_id: int = 0) -> None:
        # The path faust takes when there is nothing to recover: the same order applies.
        await self.app.on_rebalance_complete.send()
        if await self._start_streams(generation_id):
            await self._ready(standbys=True)

    async def _start_streams(self, generation_id: int) -> bool:
        """Seek the paused stream partitions, clear the queues, then let records flow."""
        app, consumer = self.app, self.app.consumer
        if app.consumer_generation_id != generation_id:
            self.log.warning("Recovery rebalancing again (generation %s)", generation_id)
            return False
        assignment = consumer.assignment()
        streams = {tp for tp in assignment if not self._is_changelog_tp(tp)}
        if assignment:
            self.log.info("Seek stream partitions to committed offsets.")
            await self._wait(consumer.perform_seek(), timeout=app.conf.broker_request_timeout)
            await self._wait(self._hold(streams), timeout=app.conf.broker_request_timeout)
        self.completed.set()
        app.flow_control.resume()  # clears the stream queues: nothing of these partitions yet
        consumer.resume_flow()
        consumer.resume_partitions(streams)
        return True

    async def _hold(self, streams: set[Any]) -> None:
        """The frontier starts where consumption does: the committed offset, else the log start."""
        consumer: Any = self.app.consumer  # perform_seek left the committed offsets here
        positions = {tp: consumer._read_offset.get(tp) for tp in streams}
        uncommitted = [tp for tp, offset in positions.items() if offset is None]
        earliest = await consumer.earliest_offsets(*uncommitted) if uncommitted else {}
        held = {tp: positions[tp] if positions[tp] is not None else earliest[tp] for tp in streams}
        cast(Any, self.app).frontier.hold(held)

    async def _build_highwaters(
        self, consumer: Any, tps: set[Any], destination: Any, title: str
    ) -> None:
        # Where a changelog ends decides when recovery is done: never trust ListOffsets alone.
        await super()._build_highwaters(consumer, tps, destination, title)
        app = cast(Any, self.app)
        if app.exactly_once:  # the last committed record, not the marker after it
            visible = await last_visible(app.kafka_config, tps)
            for tp in tps:  # a Counter: update() would add
                destination[tp] = visible[(tp.topic, tp.partition)]
            return
        ends = await log_ends(app.kafka_config, tps)
        for tp in tps:
            fetched = ends[(tp.topic, tp.partition)] - 1
            if fetched > destination[tp]:
                self.log.warning(
                    "%s/%d: ListOffsets ends at %d, a fetch at %d: recovering to the fetch's",
                    tp.topic,
                    tp.partition,
                    destination[tp] + 1,
                    fetched + 1,
                )
                destination[tp] = fetched

    def on_partitions_revoked(self, revoked: set[Any]) -> None:
        cast(Any, self.app).frontier.release(revoked)
        super().on_partitions_revoked(revoked)

    async def _ready(self, standbys: bool) -> None:
        await cast(Any, self.app)._fetcher.maybe_start()
        self.tables.on_actives_ready()
        if standbys:
            self.tables.on_standbys_ready()
        self.app.on_rebalance_end()
        self.log.info("Worker ready")


class OrderedTableManager(TableManager):
    """Faust's table manager with `OrderedRecovery` (the app's `TableManager` setting)."""

    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = OrderedRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery
