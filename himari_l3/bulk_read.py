"""Whole topics read fast, for a replay of millions of records: librdkafka fetches and unpacks
on threads of its own, and this thread packs each value into its topic's buffer."""

import gc
from collections.abc import Callable
from typing import cast

from confluent_kafka import Consumer, KafkaError, TopicPartition

from himari_l3.audit.recorded import Packed, PackedRecorded, Recorded
from schemas.config import KafkaConfig
from streams.errors import StreamError

_BATCH = 20_000
_POLL_S = 0.5
_FETCH_BYTES = 64 * 1024 * 1024


def librdkafka_options(cfg: KafkaConfig) -> dict[str, object]:
    """The client options of `kafka_clients.client_options`, as librdkafka spells them."""
    opts: dict[str, object] = {
        "bootstrap.servers": cfg.bootstrap_servers,
        "security.protocol": cfg.security_protocol,
    }
    if cfg.ssl_cafile:
        opts["ssl.ca.location"] = cfg.ssl_cafile
    if cfg.sasl_mechanism:
        opts["sasl.mechanism"] = cfg.sasl_mechanism
        opts["sasl.username"] = cfg.sasl_username or ""
        opts["sasl.password"] = cfg.sasl_password.get_secret_value() if cfg.sasl_password else ""
    return opts


def read_topics(
    cfg: KafkaConfig,
    topics: list[str],
    on_read: Callable[[int, int], None] | None = None,
    wait_s: float = 30.0,
) -> dict[str, list[Recorded]]:
    """Every record of each topic, from the beginning to the end each partition has when its
    fetch reaches it (the end a fetch response carries, which even Tansu reports right: DESIGN
    §7 quirk 1); under exactly_once, of committed transactions only. `on_read(read, about)`."""
    consumer = Consumer(
        {
            **librdkafka_options(cfg),
            "group.id": "himari-l3-replay",  # required by the client; nothing is committed
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "isolation.level": "read_committed" if cfg.exactly_once else "read_uncommitted",
            "fetch.max.bytes": _FETCH_BYTES,
            "max.partition.fetch.bytes": _FETCH_BYTES // 4,
            "queued.max.messages.kbytes": 512 * 1024,
        }
    )
    try:
        tps = _partitions(consumer, topics, wait_s)
        about = sum(max(0, consumer.get_watermark_offsets(tp, timeout=wait_s)[1]) for tp in tps)
        consumer.assign([TopicPartition(tp.topic, tp.partition, 0) for tp in tps])
        return _drain(consumer, topics, {(tp.topic, tp.partition) for tp in tps}, about, on_read)
    finally:
        consumer.close()


def _partitions(consumer: Consumer, topics: list[str], wait_s: float) -> list[TopicPartition]:
    found = []
    for topic in topics:
        meta = consumer.list_topics(topic, timeout=wait_s).topics.get(topic)
        if meta is None or meta.error is not None or not meta.partitions:
            raise StreamError(f"topic {topic} does not exist (is the worker running?)")
        found += [TopicPartition(topic, p) for p in sorted(meta.partitions)]
    return found


def _drain(
    consumer: Consumer,
    topics: list[str],
    pending: set[tuple[str, int]],
    about: int,
    on_read: Callable[[int, int], None] | None,
) -> dict[str, list[Recorded]]:
    out: dict[str, list[Recorded]] = {t: [] for t in topics}
    packs = {t: Packed() for t in topics}
    keys: dict[bytes, bytes] = {}  # one object per distinct key: a symbol or portfolio id
    read, collecting = 0, gc.isenabled()
    # Millions of long-lived records: a collection would scan them again and again, and find
    # nothing to free.
    gc.disable()
    try:
        while pending:
            for m in consumer.consume(_BATCH, _POLL_S):
                # A message always names its topic and partition, and a record its offset.
                at = cast(tuple[str, int], (m.topic(), m.partition()))
                err = m.error()
                if err is not None:
                    if err.code() != KafkaError._PARTITION_EOF:
                        raise StreamError(f"reading {at[0]}/{at[1]}: {err}")
                    pending.discard(at)
                elif at in pending:  # else written after its partition's end was reached
                    key, value = m.key(), m.value() or b""
                    key = None if key is None else keys.setdefault(key, key)
                    pack = packs[at[0]]
                    start, offset = pack.add(value), cast(int, m.offset())
                    out[at[0]].append(
                        PackedRecorded(*at, offset, key, pack, start, start + len(value))
                    )
                    read += 1
            if on_read is not None:
                on_read(read, max(read, about))
    finally:
        if collecting:
            gc.enable()
    for pack in packs.values():
        pack.seal()
    return out
