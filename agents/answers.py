"""Answers to triggers (sized records, decisions), sent once and sent again only identically."""

from enum import StrEnum

from sizing.replies import Replies
from streams import metrics
from streams.outbox import Outbox


class Fence(StrEnum):
    FRESH = "fresh"  # not applied yet: compute, apply, answer
    RESENT = "resent"  # applied, and its answer may not have landed: the kept copy went again
    DELIVERED = "delivered"  # applied in a batch delivered in full: nothing to do


def answer(
    out: Outbox,
    replies: Replies,
    to: tuple[str, bytes],
    trigger: tuple[int, int],
    reply_id: str,
    payload: bytes,
) -> None:
    """Send `payload` to (topic, key) and keep it as the answer to trigger (partition, offset)."""
    out.send_raw(to[0], to[1], payload)
    replies.keep(trigger[0], trigger[1], reply_id, payload, out.batch)


def answer_again(
    out: Outbox, replies: Replies, to: tuple[str, bytes], trigger: tuple[int, int], reply_id: str
) -> Fence:
    """For a redelivered trigger: send its kept answer again, byte for byte, if there is one."""
    if not replies.fenced(*trigger):
        return Fence.FRESH
    payload = replies.reply(reply_id)
    if payload is None:
        metrics.REDELIVERED.labels(to[0], Fence.DELIVERED.value).inc()
        return Fence.DELIVERED
    answer(out, replies, to, trigger, reply_id, payload)
    metrics.REDELIVERED.labels(to[0], Fence.RESENT.value).inc()
    return Fence.RESENT
