"""Replies: the fence by trigger offset and the answers kept for redelivered triggers."""

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from sizing.replies import Replies


def kept(*offsets: int, partition: int = 0, batch: int = 0, replies: Replies | None = None):
    replies = replies or Replies()
    for o in offsets:
        replies.keep(partition, o, f"id{partition}-{o}", f'{{"o":{o}}}'.encode(), batch)
    return replies


def test_a_trigger_never_kept_is_not_fenced() -> None:
    assert not Replies().fenced(0, 0)


def test_a_kept_trigger_and_every_earlier_offset_of_its_partition_are_fenced() -> None:
    replies = kept(5, 9)
    assert replies.fenced(0, 9) and replies.fenced(0, 3)
    assert not replies.fenced(0, 10)
    assert not replies.fenced(1, 3)


def test_the_answer_kept_is_returned_byte_for_byte() -> None:
    assert kept(7).reply("id0-7") == b'{"o":7}'
    assert kept(7).reply("id0-8") is None


def test_answers_of_an_earlier_batch_before_the_next_kept_offset_are_forgotten() -> None:
    replies = kept(10, 11, 12, batch=0)
    kept(13, batch=1, replies=replies)
    assert sorted(replies.sent) == ["id0-13"]


def recovered(replies: Replies) -> Replies:
    """The entry as a restarted worker reads it back from its changelog record."""
    return Replies.from_dict(orjson.loads(orjson.dumps(replies.as_dict())))


def test_recovered_answers_after_the_next_kept_offset_stay_until_sent_again() -> None:
    # After a restart inputs come again from the last commit: 11 is answered again first,
    # and 12 must still be there when its turn comes.
    replies = recovered(kept(10, 11, 12, batch=4))
    kept(11, batch=0, replies=replies)
    assert sorted(replies.sent) == ["id0-11", "id0-12"]


def test_pruning_leaves_recovered_answers_of_other_partitions_alone() -> None:
    replies = recovered(kept(10, partition=0, batch=4))
    kept(20, partition=1, batch=0, replies=replies)
    assert sorted(replies.sent) == ["id0-10", "id1-20"]


def test_answers_this_worker_delivered_in_an_earlier_batch_go_whatever_their_partition() -> None:
    # Each trigger partition's last batch used to stay: an entry answering eight partitions
    # kept eight batches of answers, past 1 MB.
    replies = kept(10, partition=0, batch=0)
    kept(20, partition=1, batch=1, replies=replies)
    assert sorted(replies.sent) == ["id1-20"]
    assert replies.size() == len(b'{"o":20}')


def test_kept_bytes_follow_every_answer_kept_replaced_and_forgotten() -> None:
    replies = kept(1, 2, 3, batch=0)
    assert replies.size() == 3 * len(b'{"o":1}')
    replies.keep(0, 2, "id0-2", b'{"o":2,"again":true}', 0)
    assert replies.size() == sum(len(r.payload) for r in replies.sent.values())
    assert recovered(replies).size() == replies.size()


def test_all_answers_of_one_batch_stay_together() -> None:
    assert len(kept(*range(50), batch=3).sent) == 50


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.lists(json_values, min_size=1, max_size=5))
def test_a_record_restores_answers_byte_for_byte(docs) -> None:
    replies = Replies()
    for offset, doc in enumerate(docs):
        replies.keep(2, offset, f"id{offset}", orjson.dumps(doc), batch=1)
    restored = Replies.from_dict(orjson.loads(orjson.dumps(replies.as_dict())))
    assert restored.applied == replies.applied
    assert {k: r.payload for k, r in restored.sent.items()} == {
        k: r.payload for k, r in replies.sent.items()
    }


class Broker:
    """What survives a crash: the last landed replies record, answers, the committed offset."""

    def __init__(self) -> None:
        self.record: bytes | None = None
        self.answers: list[tuple[str, bytes]] = []
        self.committed = 0


def run(
    broker: Broker,
    inputs: int,
    life: int,
    batches: list[int],
    crash: tuple[int, int],
    partitions: int = 1,
):
    """One worker life from the last commit; crash = (batch index, answers landed, -1: none).

    Input `o` is offset o // partitions of partition o % partitions: partitions interleave in
    every batch, so pruning one partition's answers must not lose another's."""
    replies = Replies.from_dict(orjson.loads(broker.record)) if broker.record else Replies()
    offset, batch = broker.committed, 0
    for size in batches:
        if offset >= inputs:
            return
        staged: list[tuple[str, bytes]] = []
        for o in range(offset, min(offset + size, inputs)):
            rid, where = f"id{o}", (o % partitions, o // partitions)
            if replies.fenced(*where):
                payload = replies.reply(rid)
                if payload is None:
                    continue
            else:
                payload = orjson.dumps({"o": o, "life": life})  # a recomputation differs
            replies.keep(*where, rid, payload, batch)
            staged.append((rid, payload))
        if batch == crash[0] and crash[1] < 0:
            return  # died before the changelog phase was acknowledged
        broker.record = orjson.dumps(replies.as_dict())
        if batch == crash[0]:
            broker.answers.extend(staged[: crash[1]])
            return
        broker.answers.extend(staged)
        offset = min(offset + size, inputs)
        if batch % 2:  # faust commits on its own interval, not every batch
            broker.committed = offset
        batch += 1


@settings(max_examples=300, deadline=None)
@given(
    inputs=st.integers(1, 40),
    lives=st.lists(
        st.tuples(
            st.lists(st.integers(1, 8), min_size=1, max_size=12),
            st.tuples(st.integers(0, 12), st.integers(-1, 8)),
        ),
        max_size=6,
    ),
    partitions=st.integers(1, 3),
)
def test_every_trigger_is_answered_and_every_answer_repeats_identically(
    inputs, lives, partitions
) -> None:
    broker = Broker()
    for life, (batches, crash) in enumerate(lives):
        run(broker, inputs, life, batches, crash, partitions)
    run(broker, inputs, len(lives), [8] * inputs, (-1, 0), partitions)  # runs to the end
    by_id: dict[str, set[bytes]] = {}
    for rid, payload in broker.answers:
        by_id.setdefault(rid, set()).add(payload)
    assert set(by_id) == {f"id{o}" for o in range(inputs)}
    assert all(len(payloads) == 1 for payloads in by_id.values())
