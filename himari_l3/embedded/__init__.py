"""Embedded Kafka-compatible brokers (Apache Kafka in KRaft mode, or Tansu)."""

from __future__ import annotations

from himari_l3.embedded.broker import EmbeddedBroker, Engine, default_engine
from himari_l3.embedded.errors import (
    BrokerError,
    BrokerNotReadyError,
    JarResolutionError,
    ToolMissingError,
)
from himari_l3.embedded.kafka_jars import ensure_kafka_jars
from himari_l3.embedded.readiness import wait_until_ready
from himari_l3.embedded.serve import run_broker_forever

__all__ = [
    "BrokerError",
    "BrokerNotReadyError",
    "EmbeddedBroker",
    "Engine",
    "JarResolutionError",
    "ToolMissingError",
    "default_engine",
    "ensure_kafka_jars",
    "run_broker_forever",
    "wait_until_ready",
]
