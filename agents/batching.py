"""The one consume loop every agent uses: batch, handle each record, deliver, then ack."""

import logging
from collections.abc import Callable
from typing import Any

from faust.types import StreamT

from pydantic import BaseModel

from schemas.topics import CONTRACT, Topic
from sizing.refs import InputRef
from streams import metrics
from streams.decoding import ErrorType, Rejection, decode
from streams.outbox import Outbox
from streams.runtime import Runtime

log = logging.getLogger(__name__)

Handler = Callable[[Any, Runtime, Outbox], None]


async def consume(stream: StreamT[Any], runtime: Runtime, handle: Handler) -> None:
    """At-least-once: a batch's inputs are acked only after all its sends are acknowledged."""
    worker = runtime.config.worker
    outbox = Outbox()
    async for events in stream.noack_take(worker.batch_max, within=worker.batch_within_s):
        for event in events:
            handle(event.message, runtime, outbox)
        try:
            await outbox.deliver(runtime.app.producer)
        except Exception as exc:
            # Unacked inputs must be redelivered, which only a restart does: crash, don't skip.
            log.critical("delivery failed; stopping the worker so its inputs are redelivered: %r", exc)
            await runtime.app.crash(exc)
            raise
        for event in events:
            await stream.ack(event)


def decode_input(message: Any, runtime: Runtime, outbox: Outbox) -> tuple[BaseModel, InputRef] | None:
    """The validated message and its reference, or None after dead-lettering it."""
    topic = runtime.topics[message.topic]
    contract = CONTRACT[topic]
    ref = InputRef(message.topic, message.partition, message.offset)
    assert contract.model is not None and contract.key_field is not None
    decoded = decode(
        message.value, message.key, contract.model, contract.key_field, runtime.config.inputs.max_message_bytes
    )
    if isinstance(decoded, Rejection):
        reject(message, ref, runtime, outbox, decoded)
        return None
    return decoded, ref


def reject(message: Any, ref: InputRef, runtime: Runtime, outbox: Outbox, why: Rejection) -> None:
    outbox.dead_letter(runtime.names[Topic.DEADLETTER], ref, message.key, message.value, why)
    metrics.DEAD_LETTERS.labels(ref.topic, why.error_type.value).inc()


def guarded(apply: Callable[[Any, InputRef, Runtime, Outbox], None]) -> Callable[[Any, InputRef, Runtime, Outbox], None]:
    """A bug met by one valid input dead-letters that input instead of stopping the worker."""

    def run(msg: Any, ref: InputRef, runtime: Runtime, outbox: Outbox) -> None:
        try:
            apply(msg, ref, runtime, outbox)
        except Exception as exc:
            log.exception("processing %s failed", ref)
            raw = msg.model_dump_json().encode() if isinstance(msg, BaseModel) else None
            why = Rejection(ErrorType.PROCESSING_ERROR, f"internal error while processing: {exc!r}")
            outbox.dead_letter(runtime.names[Topic.DEADLETTER], ref, None, raw, why)
            metrics.DEAD_LETTERS.labels(ref.topic, why.error_type.value).inc()

    return run
