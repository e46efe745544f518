"""`himari-l3 trace CORRELATION_ID`: every message on every contract topic that carries it.

A signal published without a correlation id is known downstream by its position,
`topic/partition/offset` (sizing.records.correlation_id), and is found by that too. Dead
letters are searched in the bytes they kept, decoded when they were kept as base64.
"""

import asyncio
import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson

from himari_l3.tail import format_record
from himari_l3.topic_reader import read_to_end
from schemas.config import Layer3Config
from schemas.topics import INPUT_TOPICS, Topic, full_name

# In the order a message travels: what came in, what each stage answered, what was refused.
TRACED = (*INPUT_TOPICS, Topic.SIZED, Topic.DECISIONS, Topic.DEADLETTER)


@dataclass(frozen=True, slots=True)
class Found:
    topic: str
    partition: int
    offset: int
    value: bytes

    def as_dict(self) -> dict[str, Any]:
        doc = _json(self.value)
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset,
                "message": doc if doc is not None else self.value.decode(errors="replace")}  # fmt: skip


def carries(topic: str, partition: int, offset: int, value: bytes, cid: str) -> bool:
    """Whether the record names `cid`: as its correlation id, or (a signal without one) by its
    position, or (a dead letter) anywhere in the input it kept."""
    doc = _json(value)
    if not isinstance(doc, dict):
        return False
    if doc.get("correlation_id") == cid:
        return True
    if "correlation_id" not in doc and cid == f"{topic}/{partition}/{offset}":
        return True
    if "error_type" in doc and "raw" in doc:
        return _kept_input_carries(doc, cid)
    return False


def _kept_input_carries(dead: dict[str, Any], cid: str) -> bool:
    raw = dead.get("raw")
    if not isinstance(raw, str):
        return False
    if dead.get("raw_encoding", "utf-8") != "utf-8":
        try:
            raw = base64.b64decode(raw).decode(errors="replace")
        except (binascii.Error, ValueError):
            return False
    kept = _json(raw.encode())
    if isinstance(kept, dict):
        return kept.get("correlation_id") == cid
    return cid in raw  # broken JSON: the id may still be in it


def _json(value: bytes) -> Any:
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


async def trace(cfg: Layer3Config, cid: str) -> list[Found]:
    """The records that carry `cid`, topic by topic in `TRACED` order, each in offset order."""
    out: list[Found] = []
    for topic in TRACED:
        name = full_name(topic, cfg.topics.prefix)
        records = await read_to_end(cfg.kafka, name)
        hits = [r for r in records if carries(name, r.partition, r.offset, r.value, cid)]
        hits.sort(key=lambda r: (r.partition, r.offset))
        out += [Found(name, r.partition, r.offset, r.value) for r in hits]
    return out


def print_trace(cfg: Layer3Config, cid: str, as_json: bool) -> int:
    """Print the trace; 0 when anything carries the id, 1 when nothing does."""
    found = asyncio.run(trace(cfg, cid))
    for f in found:
        if as_json:
            print(orjson.dumps(f.as_dict()).decode())
        else:
            print(f"{f.topic}[{f.partition}]@{f.offset}  {format_record(f.value)}")
    if not found and not as_json:
        print(f"no message on any topic carries correlation id {cid!r}")
    return 0 if found else 1
