"""Whole topics read fast, for a replay of millions of records: librdkafka fetches and unpacks
on threads of its own, and a Python thread packs each value into a buffer. One process is the
bottleneck (about 13 µs of CPU a record, most of it copying into fresh memory), so with
`readers` > 1 the partitions are split among forked processes, each writing its values to a
memory file that the parent then maps. The readers also work out each record's id (`ids`),
in parallel, where the parent would index millions of records alone, and may keep answers as
a digest and a tail (`digests`, `himari_l3.audit.digested`) instead of whole."""

import os
from array import array
from collections.abc import Callable, Mapping
from typing import cast

from confluent_kafka import Consumer, KafkaError, TopicPartition

from himari_l3 import forked
from himari_l3.audit.digested import PACKED_KINDS
from himari_l3.audit.recorded import Packed, Recorded
from himari_l3.collector import collector_off
from schemas.config import KafkaConfig
from streams.errors import StreamError

_BATCH = 1_000  # a batch of values stays in warm memory: 20,000 (90 MB) was slower
_POLL_S = 0.5
# Small fetches: librdkafka allocates a buffer per fetch response and frees it once unpacked.
# Buffers of 64 MB are mapped afresh each time, and fresh pages cost about 7 µs each in a VM
# (clear_page on first touch): at 8 MB they are reused. Measured on 3,000,233 records (7 GB):
# librdkafka's CPU 26 s at 64 MB, 10-14 s at 8 MB.
_FETCH_BYTES = 8 * 1024 * 1024

IdOf = Callable[[str, int, int, bytes], str | None]  # (topic, partition, offset, value) → id
Digest = Callable[[bytes], bytes | None]  # what to keep of a value instead; None: all of it


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
    readers: int = 1,
    ids: Mapping[str, IdOf] | None = None,
    digests: Mapping[str, Digest] | None = None,
) -> dict[str, list[Recorded]]:
    """Every record of each topic, from the beginning to the end each partition has when its
    fetch reaches it (the end a fetch response carries, which even Tansu reports right: DESIGN
    §7 quirk 1); under exactly_once, of committed transactions only. `on_read(read, about)`.
    A topic's records are in (partition, offset) order. `ids[topic]` gives its records' ids
    (`Recorded.given_id`); a record with an id is kept as `digests[topic](value)` gives it (a
    `DigestRecorded`), when it gives something."""
    keep = Keep(ids or {}, digests or {})
    consumer = _consumer(cfg)
    try:
        tps = _partitions(consumer, topics, wait_s)
        about = sum(max(0, consumer.get_watermark_offsets(tp, timeout=wait_s)[1]) for tp in tps)
        if readers <= 1 or len(tps) < 2 or not hasattr(os, "memfd_create"):
            lists = _Lists(topics, keep)
            _drain(consumer, tps, lists, _reporter(on_read, about))
            return lists.sealed()
    finally:
        consumer.close()
    # Forked with no librdkafka instance alive in this process: its threads do not survive a fork.
    return _read_forked(cfg, topics, tps, _reporter(on_read, about), readers, keep)


def last_values(cfg: KafkaConfig, topic: str, count: int, wait_s: float = 30.0) -> list[bytes]:
    """The values of about the last `count` records of each partition of `topic` (fewer where
    transaction markers take offsets)."""
    consumer = _consumer(cfg)
    try:
        tps = []
        for tp in _partitions(consumer, [topic], wait_s):
            low, high = consumer.get_watermark_offsets(tp, timeout=wait_s)
            tps.append(TopicPartition(topic, tp.partition, max(low, high - count)))
        found: list[bytes] = []
        _drain(consumer, tps, lambda *record: found.append(record[-1]), None)
        return found
    finally:
        consumer.close()


def _consumer(cfg: KafkaConfig) -> Consumer:
    return Consumer(
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


def _partitions(consumer: Consumer, topics: list[str], wait_s: float) -> list[TopicPartition]:
    found = []
    for topic in topics:
        meta = consumer.list_topics(topic, timeout=wait_s).topics.get(topic)
        if meta is None or meta.error is not None or not meta.partitions:
            raise StreamError(f"topic {topic} does not exist (is the worker running?)")
        found += [TopicPartition(topic, p) for p in sorted(meta.partitions)]
    return found


def _reporter(on_read: Callable[[int, int], None] | None, about: int) -> forked.Moved | None:
    if on_read is None:
        return None
    return lambda read: on_read(read, max(read, about))


# Where a record goes: (topic, partition, offset, key, value).
Sink = Callable[[str, int, int, bytes | None, bytes], None]


def _drain(
    consumer: Consumer, tps: list[TopicPartition], sink: Sink, moved: forked.Moved | None
) -> None:
    """Every record of the partitions `tps`, from their offsets (else their beginnings), into
    `sink`."""
    consumer.assign([TopicPartition(tp.topic, tp.partition, max(0, tp.offset)) for tp in tps])
    pending = {(tp.topic, tp.partition) for tp in tps}
    read = 0
    with collector_off():
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
                    sink(*at, cast(int, m.offset()), m.key(), m.value() or b"")
                    read += 1
            if moved is not None:
                moved(read)


class Keep:
    """What a reader keeps of each record besides where it is: its id, and its value whole or
    as a digest and a tail."""

    def __init__(self, ids: Mapping[str, IdOf], digests: Mapping[str, Digest]) -> None:
        self.ids, self.digests = ids, digests

    def __call__(
        self, topic: str, partition: int, offset: int, value: bytes
    ) -> tuple[str | None, bytes, bool]:
        """The record's id, the bytes to keep of its value, and whether they are a digest's."""
        id_of, digested = self.ids.get(topic), self.digests.get(topic)
        given = None if id_of is None else id_of(topic, partition, offset, value)
        digest = None if given is None or digested is None else digested(value)
        return given, (value if digest is None else digest), digest is not None


class _Lists:
    """Records as this process reads them: each value packed into its topic's buffer."""

    def __init__(self, topics: list[str], keep: Keep) -> None:
        self.topics, self.keep = topics, keep
        self.parts: dict[tuple[str, int], list[Recorded]] = {}  # each in offset order
        self.packs = {t: Packed() for t in topics}
        self.keys: dict[bytes, bytes] = {}  # one object per distinct key: a symbol or portfolio

    def __call__(
        self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes
    ) -> None:
        key = None if key is None else self.keys.setdefault(key, key)
        given, data, digested = self.keep(topic, partition, offset, value)
        pack = self.packs[topic]
        start = pack.add(data)
        self.parts.setdefault((topic, partition), []).append(
            PACKED_KINDS[digested](
                topic, partition, offset, key, pack, start, start + len(data), given
            )
        )

    def sealed(self) -> dict[str, list[Recorded]]:
        for pack in self.packs.values():
            pack.seal()
        out: dict[str, list[Recorded]] = {t: [] for t in self.topics}
        for at in sorted(self.parts):
            out[at[0]] += self.parts[at]
        return out


# One reader's index of one partition: offsets, starts and ends of the values in its file, keys
# (as places in its table of keys), ids, and whether each value is kept as a digest.
_Index = tuple[
    "array[int]", "array[int]", "array[int]", "array[int]", list[str | None], "array[int]"
]
_Found = tuple[dict[tuple[str, int], _Index], list[bytes | None]]


def _read_forked(
    cfg: KafkaConfig,
    topics: list[str],
    tps: list[TopicPartition],
    moved: forked.Moved | None,
    readers: int,
    keep: Keep,
) -> dict[str, list[Recorded]]:
    """`read_topics` over `readers` processes, each with every `readers`-th of the partitions
    (a share of each topic): each writes its values to a memory file this process then maps,
    so the values are not copied again and processes forked later share their pages."""
    files = [os.memfd_create(f"himari-l3-replay-{i}") for i in range(readers)]
    try:

        def task(i: int) -> Callable[[forked.Moved], _Found]:
            return lambda moved: _spilled(cfg, tps[i::readers], files[i], keep, moved)

        found = forked.run([task(i) for i in range(readers)], moved)
        with collector_off():
            return _joined(topics, [Packed.mapped(fd) for fd in files], found)
    finally:
        for fd in files:
            os.close(fd)


def _spilled(
    cfg: KafkaConfig,
    tps: list[TopicPartition],
    fd: int,
    keep: Keep,
    moved: forked.Moved,
) -> _Found:
    """In a reader process: its partitions' values written to the file `fd`; their index."""
    spill = _Spill(fd, keep)
    consumer = _consumer(cfg)
    try:
        _drain(consumer, tps, spill, moved)
    finally:
        consumer.close()
    spill.file.close()
    return spill.index, list(spill.keys)


class _Spill:
    """A reader's records: values appended to its file, the rest indexed in arrays."""

    def __init__(self, fd: int, keep: Keep) -> None:
        self.file = open(fd, "wb", buffering=4 << 20, closefd=False)  # noqa: SIM115
        self.at, self.keep = 0, keep
        self.index: dict[tuple[str, int], _Index] = {}
        self.keys: dict[bytes | None, int] = {}

    def __call__(
        self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes
    ) -> None:
        found = self.index.get((topic, partition))
        if found is None:
            found = self.index[(topic, partition)] = _new_index()
        offsets, starts, ends, keys, ids, digested = found
        given, data, digest = self.keep(topic, partition, offset, value)
        self.file.write(data)
        offsets.append(offset)
        starts.append(self.at)
        self.at += len(data)
        ends.append(self.at)
        keys.append(self.keys.setdefault(key, len(self.keys)))
        ids.append(given)
        digested.append(digest)


def _new_index() -> _Index:
    return array("q"), array("q"), array("q"), array("i"), [], array("b")


def _joined(
    topics: list[str], packs: list[Packed], found: list[_Found]
) -> dict[str, list[Recorded]]:
    """The readers' records by topic, each in (partition, offset) order: a partition is one
    reader's, in the order it read it."""
    interned: dict[bytes | None, bytes | None] = {}
    parts: dict[tuple[str, int], tuple[Packed, _Index, list[bytes | None]]] = {}
    for pack, (index, keys) in zip(packs, found, strict=True):
        mine = [interned.setdefault(k, k) for k in keys]
        parts.update((at, (pack, part, mine)) for at, part in index.items())
    out: dict[str, list[Recorded]] = {t: [] for t in topics}
    for topic, p in sorted(parts):
        pack, (offsets, starts, ends, places, given, digested), mine = parts[(topic, p)]
        out[topic] += [
            PACKED_KINDS[d](topic, p, o, mine[k], pack, s, e, i)
            for o, s, e, k, i, d in zip(offsets, starts, ends, places, given, digested, strict=True)
        ]
    return out
