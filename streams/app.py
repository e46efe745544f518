"""The Faust app, configured from the validated Layer3Config."""

import ssl
from typing import Any

import faust
from faust.transport.drivers import TRANSPORTS

from himari_l3.kafka_clients import compression_type
from schemas.config import KafkaConfig, Layer3Config
from streams.frontier import Frontier
from streams.recovery import OrderedTableManager

TRANSPORTS.aliases.setdefault("himari", "streams.transport:Transport")


def broker_url(bootstrap_servers: str) -> str:
    hosts = [h.strip() for h in bootstrap_servers.split(",") if h.strip()]
    return "himari://" + ";".join(hosts)


def credentials(cfg: KafkaConfig) -> Any:
    if cfg.sasl_mechanism:
        password = cfg.sasl_password.get_secret_value() if cfg.sasl_password else ""
        ssl_context = None
        if cfg.security_protocol == "SASL_SSL":
            ssl_context = ssl.create_default_context(cafile=cfg.ssl_cafile)
        return faust.SASLCredentials(
            username=cfg.sasl_username,
            password=password,
            mechanism=cfg.sasl_mechanism,
            ssl_context=ssl_context,
        )
    if cfg.security_protocol == "SSL":
        return faust.SSLCredentials(ssl.create_default_context(cafile=cfg.ssl_cafile))
    return None


class Layer3App(faust.App):
    """faust.App plus the one consumer setting faust does not expose, and the agents'
    frontier of input offsets (streams.frontier)."""

    fetch_max_wait_ms: int = 100
    frontier: Frontier
    kafka_config: KafkaConfig
    exactly_once: bool


def create_app(cfg: Layer3Config, **overrides: Any) -> Layer3App:
    """One app per worker process; tables live in memory and recover from their changelogs."""
    settings: dict[str, Any] = {
        "broker": broker_url(cfg.kafka.bootstrap_servers),
        "broker_credentials": credentials(cfg.kafka),
        "store": "memory://",
        "topic_partitions": cfg.topics.partitions,
        "topic_replication_factor": cfg.topics.replication_factor,
        "broker_session_timeout": cfg.kafka.session_timeout_s,
        "broker_heartbeat_interval": cfg.kafka.heartbeat_interval_s,
        "producer_linger": cfg.kafka.producer_linger_ms / 1000.0,
        "producer_acks": -1,
        "producer_compression_type": compression_type(cfg.kafka),
        # faust's exactly-once would commit apart from our deliveries: streams.transactions.
        "processing_guarantee": "at_least_once",
        "consumer_auto_offset_reset": "earliest",
        "table_standby_replicas": 0,
        "web_enabled": cfg.worker.web_port > 0,
        "web_port": cfg.worker.web_port or 6066,
        "web_bind": "127.0.0.1",
        "datadir": cfg.worker.data_dir,
        # A worker losing partitions finishes (delivers and acks) the batch in hand before it
        # rejoins the group: the new owner then recovers a changelog with the batch's fences.
        "stream_wait_empty": True,
        "TableManager": OrderedTableManager,
    }
    settings.update(overrides)
    app = Layer3App(cfg.worker.app_id, **settings)
    app.fetch_max_wait_ms = cfg.kafka.fetch_max_wait_ms  # read by streams.transport
    app.frontier = Frontier()
    app.kafka_config = cfg.kafka
    app.exactly_once = cfg.kafka.exactly_once
    return app
