"""aiokafka clients configured from the validated Kafka config (security from the environment)."""

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from schemas.config import KafkaConfig

ClientT = TypeVar("ClientT", AIOKafkaProducer, AIOKafkaConsumer)


def client_options(cfg: KafkaConfig) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "bootstrap_servers": cfg.bootstrap_servers,
        "security_protocol": cfg.security_protocol,
    }
    if cfg.security_protocol in {"SSL", "SASL_SSL"}:
        opts["ssl_context"] = ssl.create_default_context(cafile=cfg.ssl_cafile)
    if cfg.sasl_mechanism:
        opts["sasl_mechanism"] = cfg.sasl_mechanism
        opts["sasl_plain_username"] = cfg.sasl_username
        opts["sasl_plain_password"] = (
            cfg.sasl_password.get_secret_value() if cfg.sasl_password else None
        )
    return opts


def producer(cfg: KafkaConfig, **extra: Any) -> AIOKafkaProducer:
    # Batching matters: some brokers' fetch cost grows with the number of record batches.
    return AIOKafkaProducer(
        linger_ms=cfg.producer_linger_ms,
        acks="all",
        compression_type=compression_type(cfg),
        **client_options(cfg),
        **extra,
    )


def compression_type(cfg: KafkaConfig) -> str | None:
    """The producers' codec as aiokafka and faust name it."""
    return None if cfg.producer_compression == "none" else cfg.producer_compression


def consumer(cfg: KafkaConfig, *topics: str, **extra: Any) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics, fetch_max_wait_ms=cfg.fetch_max_wait_ms, **client_options(cfg), **extra
    )


@asynccontextmanager
async def running(client: ClientT) -> AsyncIterator[ClientT]:
    """Start a client and always stop it, also when start() itself fails."""
    try:
        await client.start()
        yield client
    finally:
        await client.stop()
