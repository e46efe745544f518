"""The one consume loop every agent uses: batch, handle each record, deliver, then ack."""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import faust
from pydantic import BaseModel

from schemas.topics import CONTRACT, Topic
from sizing.refs import InputRef
from streams import fail_fast, metrics, transactions
from streams.decoding import ErrorType, Rejection, decode
from streams.frontier import Place
from streams.outbox import Outbox
from streams.rewind import Rewinder
from streams.runtime import Runtime
from streams.transactions import TransactionalDelivery

log = logging.getLogger(__name__)

Handler = Callable[[Any, Runtime, Outbox], None]


async def consume(stream: faust.Stream[Any], runtime: Runtime, handle: Handler) -> None:
    """At-least-once: a batch's inputs are acked only after all its sends are acknowledged.

    Each record is first placed against the frontier (streams.frontier): a record past records
    faust skipped is left unacked, and faust is rewound to them.
    """
    worker, name = runtime.config.worker, handle.__module__.rsplit(".", 1)[-1]
    outbox, progress = Outbox(), Progress(name)
    rewinder = Rewinder(runtime.app, runtime.config.kafka)
    frontier = rewinder.frontier
    # Started before the first batch, so a predecessor's open transaction is aborted at once
    # and table recovery (read_committed) does not wait for it to time out.
    txn = await transactions.started(runtime.config, name)
    async for events in stream.noack_take(worker.batch_max, within=worker.batch_within_s):
        done = []
        for event in events:
            message = event.message
            place = frontier.place((message.topic, message.partition), message.offset)
            if place is Place.AHEAD and await rewinder.settle(message) is Place.AHEAD:
                continue
            if place is not Place.SEEN:
                handle(message, runtime, outbox)
                frontier.processed((message.topic, message.partition), message.offset)
            done.append(event)
            if outbox.full():
                await deliver(outbox, runtime, txn, done)
        await deliver(outbox, runtime, txn, done)
        for event in done:
            await stream.ack(event)
        progress.batch_done(len(done))


class Progress:
    """One INFO line a minute per agent: a stalled worker shows in its log, not only in lag."""

    EVERY_S = 60.0

    def __init__(self, name: str) -> None:
        self.name = name
        self.inputs = self.batches = 0
        self.since = time.monotonic()

    def batch_done(self, inputs: int) -> None:
        self.inputs += inputs
        self.batches += 1
        elapsed = time.monotonic() - self.since
        if elapsed >= self.EVERY_S:
            log.info(
                "%s: %d inputs in %d batches in %.0f s",
                self.name,
                self.inputs,
                self.batches,
                elapsed,
            )
            self.inputs = self.batches = 0
            self.since = time.monotonic()


async def deliver(
    outbox: Outbox, runtime: Runtime, txn: TransactionalDelivery | None, done: list[Any]
) -> None:
    """At-least-once: send and await acknowledgements. Exactly-once: one transaction with
    the offsets of the inputs done so far."""
    try:
        if txn is None:
            await outbox.deliver(runtime.app.producer)
        else:
            await txn.deliver(outbox, transactions.input_offsets(e.message for e in done))
    except Exception as exc:  # not CancelledError: a graceful stop just leaves the batch unacked
        fail_fast.stop_now("delivery failed", exc)
        raise


def decode_input(
    message: Any, runtime: Runtime, outbox: Outbox
) -> tuple[BaseModel, InputRef] | None:
    """The validated message and its reference, or None after dead-lettering it."""
    topic = runtime.topics[message.topic]
    contract = CONTRACT[topic]
    ref = InputRef(message.topic, message.partition, message.offset)
    assert contract.model is not None and contract.key_field is not None
    decoded = decode(
        message.value,
        message.key,
        contract.model,
        contract.key_field,
        runtime.config.inputs.max_message_bytes,
    )
    if isinstance(decoded, Rejection):
        reject(message, ref, runtime, outbox, decoded)
        return None
    return decoded, ref


def reject(message: Any, ref: InputRef, runtime: Runtime, outbox: Outbox, why: Rejection) -> None:
    outbox.dead_letter(runtime.names[Topic.DEADLETTER], ref, message.key, message.value, why)
    metrics.DEAD_LETTERS.labels(ref.topic, why.error_type.value).inc()


@contextmanager
def dead_letter_on_error(
    message: Any, ref: InputRef, runtime: Runtime, outbox: Outbox
) -> Iterator[None]:
    """A bug met by one valid input dead-letters that input (original key and bytes) and goes on."""
    try:
        yield
    except Exception as exc:
        log.exception("processing %s failed", ref)
        reject(
            message,
            ref,
            runtime,
            outbox,
            Rejection(ErrorType.PROCESSING_ERROR, f"internal error: {exc!r}"),
        )
