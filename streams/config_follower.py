"""Hot config (DESIGN §6): follow the compacted config topic and the config file.

A new document is validated in full; only its `sizing` section is applied live (the rest needs
a restart); an invalid one is dead-lettered with its reason and the config in force stays.
"""

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import yaml
from aiokafka import AIOKafkaConsumer, TopicPartition

from himari_l3.kafka_clients import client_options
from schemas.config import Layer3Config
from schemas.config_loading import load_config, parse_config
from schemas.errors import ConfigError
from schemas.topics import Topic
from sizing.refs import InputRef
from streams import metrics
from streams.decoding import ErrorType, Rejection
from streams.outbox import Outbox
from streams.runtime import Runtime

log = logging.getLogger(__name__)


def parse_document(raw: bytes | None, env: dict[str, str]) -> Layer3Config:
    """A config record's value (JSON or YAML) as a validated config, or ConfigError."""
    try:
        document: Any = yaml.safe_load(raw or b"")
    except yaml.YAMLError as exc:
        raise ConfigError(f"the config document is neither JSON nor YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise ConfigError("the config document must be a mapping")
    return parse_config(document, env)


def hot_applied(current: Layer3Config, new: Layer3Config) -> Layer3Config:
    """The config in force after `new` arrives: its sizing, the running process's everything else."""
    if new.model_dump(exclude={"sizing"}) != current.model_dump(exclude={"sizing"}):
        log.warning(
            "config: only the sizing section is applied live; other sections need a restart"
        )
    return current.model_copy(update={"sizing": new.sizing})


def apply_record(rt: Runtime, record: Any, env: dict[str, str], outbox: Outbox | None) -> bool:
    """Apply one config-topic record; an invalid one is rejected (dead-lettered when live)."""
    ref = InputRef(record.topic, record.partition, record.offset)
    try:
        new = parse_document(record.value, env)
    except ConfigError as exc:
        log.error("config record %s rejected, keeping version %s: %s", ref, rt.version, exc)
        metrics.CONFIG_RELOADS.labels("validation_failed").inc()
        if outbox is not None:
            why = Rejection(ErrorType.INVALID_CONFIG, str(exc))
            outbox.dead_letter(rt.names[Topic.DEADLETTER], ref, record.key, record.value, why)
        return False
    rt.apply(hot_applied(rt.config, new))
    metrics.CONFIG_RELOADS.labels("success").inc()
    log.info("config record %s applied: version %s", ref, rt.version)
    return True


def _consumer(rt: Runtime) -> AIOKafkaConsumer:
    # No group: every worker must see every config record.
    return AIOKafkaConsumer(
        **client_options(rt.config.kafka), enable_auto_commit=False, fetch_max_wait_ms=500
    )


async def catch_up(rt: Runtime, env: dict[str, str]) -> int:
    """Before the agents start: apply the topic's records up to its end; returns that offset.

    The end is the larger of ListOffsets and the fetch high watermark: Tansu under-reports the
    former (DESIGN §7 quirk 1), fetch responses carry the true one.
    """
    consumer = _consumer(rt)
    await consumer.start()
    tp = TopicPartition(rt.names[Topic.CONFIG], 0)
    try:
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        listed: int = (await consumer.end_offsets([tp]))[tp]
        while True:
            records = (await consumer.getmany(tp, timeout_ms=1000)).get(tp, [])
            for record in records:
                apply_record(rt, record, env, None)
            position: int = await consumer.position(tp)
            highwater = consumer.highwater(tp)
            if highwater is not None and position >= max(listed, highwater):
                return position
    finally:
        await consumer.stop()


async def follow_topic(rt: Runtime, env: dict[str, str], start: int) -> None:
    """While the worker runs: apply each new config record; dead-letter the invalid ones."""
    consumer = _consumer(rt)
    await consumer.start()
    tp = TopicPartition(rt.names[Topic.CONFIG], 0)
    try:
        consumer.assign([tp])
        consumer.seek(tp, start)
        while True:
            outbox = Outbox()
            for record in (await consumer.getmany(tp, timeout_ms=1000)).get(tp, []):
                apply_record(rt, record, env, outbox)
            await outbox.deliver(rt.app.producer)
    finally:
        await consumer.stop()


async def follow_file(rt: Runtime, path: Path, env: dict[str, str], every_s: float = 5.0) -> None:
    """Poll the config file's modification time; reload, validate and apply on change."""
    seen = path.stat().st_mtime if path.exists() else 0.0
    while True:
        await asyncio.sleep(every_s)
        mtime = path.stat().st_mtime if path.exists() else 0.0
        if mtime == seen:
            continue
        seen = mtime
        try:
            new = load_config(path, env)
        except ConfigError as exc:
            metrics.CONFIG_RELOADS.labels("validation_failed").inc()
            log.error("config file %s rejected, keeping version %s: %s", path, rt.version, exc)
            continue
        rt.apply(hot_applied(rt.config, new))
        metrics.CONFIG_RELOADS.labels("success").inc()
        log.info(
            "config file %s applied at %s: version %s", path, time.strftime("%H:%M:%S"), rt.version
        )
