"""The outbox: staged sends and table changelogs, delivered together through app.producer.

Handler-level (see agent_harness): a batch is handled, then `Outbox.deliver` runs into a
recording producer.
"""

import asyncio

from agent_harness import FakeProducer, Shell, onchain, regime, tactical, without_marks

from schemas.enums import Regime
from schemas.topics import Topic
from sizing.replies import Replies
from streams.codecs import StateCodec
from streams.outbox import DELIVER_AT_RECORD_BYTES, FIRST_REST_BYTES, Outbox
from streams.tables import TABLE_STATES


def test_outbox_sends_one_changelog_record_per_key_per_batch() -> None:
    shell = Shell()
    tables = shell.rt.tables
    shell.feed(Topic.REGIME, regime("TRENDING_UP"), partition=2)
    shell.feed(Topic.REGIME, regime("RANGING"), partition=2)
    shell.feed(Topic.REGIME, regime("RANGING"), partition=2)
    shell.feed(Topic.REGIME, regime("CRISIS", symbol="ETH-USD"), partition=4)
    shell.feed(Topic.ONCHAIN, onchain(), partition=2)
    shell.feed(Topic.ONCHAIN, onchain(volume_ratio=2.0), partition=2)
    sent = without_marks(shell.deliver())

    regime_log = tables.regime.changelog_topic.get_topic_name()
    cascade_log = tables.cascade.changelog_topic.get_topic_name()
    assert regime_log == "himari-l3-regime-changelog"
    logged = [(s.topic, s.key, s.partition) for s in sent]
    assert sorted(logged) == sorted(
        [
            (regime_log, b"BTC-USD", 2),
            (regime_log, b"ETH-USD", 4),
            (cascade_log, b"BTC-USD", 2),
        ]
    )
    # each carries the key's last state of the batch, decodable as the table's value
    for s in sent:
        name = s.topic.removeprefix("himari-l3-").removesuffix("-changelog")
        state = StateCodec(TABLE_STATES[name])._loads(s.value)
        assert state == getattr(tables, name).data[s.key.decode()]
    btc = tables.regime.data["BTC-USD"]
    assert (btc.current, btc.candidate, btc.confirmation_count) == (
        Regime.TRENDING_UP,
        Regime.RANGING,
        2,
    )


def test_next_batch_sends_only_its_own_records() -> None:
    shell = Shell()
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    assert len(without_marks(shell.deliver())) == 1
    assert shell.deliver() == []
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    [again] = shell.deliver()
    assert again.topic == "himari-l3-regime-changelog"


def test_changelogs_are_sent_before_answers_which_have_no_partition_of_their_own() -> None:
    shell = Shell()
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    shell.feed(Topic.ONCHAIN, onchain())
    shell.feed(Topic.TACTICAL, tactical(portfolio_id="fund-b"))
    shell.feed(Topic.TACTICAL, b"{", key=b"BTC-USD")
    sent = without_marks(shell.deliver())
    assert {s.topic for s in sent[:3]} == {
        "himari-l3-regime-changelog",
        "himari-l3-cascade-changelog",
        "himari-l3-sized_replies-changelog",
    }
    assert [s.topic for s in sent[3:]] == ["himari.l3.sized", "himari.l3.deadletter"]
    assert [s.partition for s in sent[3:]] == [None, None]
    assert all((s.timestamp, s.headers) == (None, None) for s in sent)


def test_no_answer_is_sent_before_every_changelog_record_is_acknowledged() -> None:
    shell = Shell()
    shell.producer = FakeProducer(hold=True)
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    shell.feed(Topic.ONCHAIN, onchain())
    shell.feed(Topic.TACTICAL, tactical())

    async def deliver_while_held() -> list[str]:
        delivery = asyncio.ensure_future(shell.outbox.deliver(shell.producer))
        await asyncio.sleep(0.01)
        held = [s.topic for s in shell.producer.sent]
        while not delivery.done():  # a phase at a time: entries, sweep marks, answers
            shell.producer.release()
            await asyncio.sleep(0.01)
        await delivery
        return held

    held = asyncio.run(deliver_while_held())
    assert held and all(t.endswith("-changelog") for t in held)
    assert shell.producer.to("himari.l3.sized")


def test_table_writes_are_visible_to_later_inputs_of_the_same_batch() -> None:
    shell = Shell()
    shell.feed(Topic.REGIME, regime("HIGH_VOLATILITY"))
    shell.feed(Topic.ONCHAIN, onchain())
    shell.feed(Topic.TACTICAL, tactical())  # before delivery: reads the entries just written
    shell.deliver()
    [sized] = shell.sent_docs(Topic.SIZED)
    assert sized["regime"] == "HIGH_VOLATILITY"
    assert sized["reads"]["regime"]["offset"] == 0 and sized["reads"]["cascade"] is not None


class _Table:
    """Just what `Outbox.put` touches of a faust table."""

    def __init__(self, name: str) -> None:
        self.data: dict[str, object] = {}
        self.changelog_topic = type("T", (), {"get_topic_name": lambda _: name})()


def _answers_until_full(out: Outbox, table: _Table, replies: Replies, size: int) -> int:
    """Keep `size`-byte answers in one entry until the outbox asks to deliver; their count."""
    n = 0
    while not out.full():
        payload = b"x" * size
        replies.keep(0, replies.applied.get(0, -1) + 1, f"id{out.batch}-{n}", payload, out.batch)
        out.send_raw("answers", None, payload)
        out.put(table, "0", replies, 0)
        n += 1
    return n


def test_an_entry_delivers_early_by_its_projected_record_not_by_the_batch() -> None:
    out, table, replies = Outbox(), _Table("sized_replies-changelog"), Replies()
    # Before its first delivery the rest of the record is guessed large: out at 256 KiB kept.
    first = _answers_until_full(out, table, replies, 8 * 1024)
    assert first == (DELIVER_AT_RECORD_BYTES - FIRST_REST_BYTES) // (8 * 1024)
    asyncio.run(out.deliver(FakeProducer()))
    # Delivered once, its rest is known to be small: a batch can keep about 640 KiB in it.
    later = _answers_until_full(out, table, replies, 8 * 1024)
    assert later > 2 * first
    sent = FakeProducer()
    asyncio.run(out.deliver(sent))
    [record] = [s for s in sent.sent if s.topic == "sized_replies-changelog"]
    assert len(record.value) < 700 * 1024
