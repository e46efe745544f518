"""`himari-l3 publish TOPIC FILE`: publish JSON Lines, keyed by the contract's key field."""

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from himari_l3 import kafka_clients
from schemas.config import Layer3Config
from schemas.topics import CONFIG_KEY, Topic, contract_for


def keyed_records(
    lines: Iterable[bytes], key_field: str | None
) -> Iterator[tuple[bytes | None, bytes]]:
    """Each non-blank line as (key, value); lines that are not JSON objects go out unkeyed, as-is."""
    for line in lines:
        value = line.strip()
        if not value:
            continue
        yield key_of(value, key_field), value


def key_of(value: bytes, key_field: str | None) -> bytes | None:
    if key_field is None:
        return None
    try:
        document: Any = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    key = document.get(key_field) if isinstance(document, dict) else None
    return key.encode() if isinstance(key, str) else None


async def publish_records(
    cfg: Layer3Config, topic: str, records: Iterable[tuple[bytes | None, bytes]]
) -> int:
    async with kafka_clients.running(kafka_clients.producer(cfg.kafka)) as producer:
        futures = [await producer.send(topic, value, key=key) for key, value in records]
        for future in futures:
            await future
    return len(futures)


async def publish_file(cfg: Layer3Config, topic: str, path: Path) -> int:
    contract = contract_for(topic, cfg.topics.prefix)
    if contract is None:
        print(f"note: {topic} is not a contract topic; records go out unkeyed", file=sys.stderr)
    key_field = None if contract is None else contract.key_field
    with path.open("rb") if str(path) != "-" else sys.stdin.buffer as stream:
        records = keyed_records(stream, key_field)
        if contract is not None and contract.topic is Topic.CONFIG:
            records = ((CONFIG_KEY, value) for _, value in records)
        return await publish_records(cfg, topic, records)


def encode(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document)
