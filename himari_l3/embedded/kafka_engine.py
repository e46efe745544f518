"""Prepare Apache Kafka 3.9 in KRaft combined mode (broker and controller in one JVM)."""

from __future__ import annotations

import base64
import subprocess
import uuid
from pathlib import Path

from himari_l3.embedded.errors import BrokerError
from himari_l3.embedded.kafka_jars import ensure_kafka_jars, require_tool

SERVER_LOG = "kafka.log"
JVM_OPTS = ["-Xms256m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError"]
FORMAT_TIMEOUT_S = 120.0


def random_cluster_id() -> str:
    """A KRaft cluster id: a random UUID in unpadded base64url, like `StorageTool random-uuid`."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        # Kafka rejects ids that begin with "-" since they read as a command-line flag.
        if not text.startswith("-"):
            return text


def server_properties(data_dir: Path, port: int, controller_port: int) -> str:
    """The single-node KRaft config; RF=1 internal topics so transactions and idempotence work."""
    settings = {
        "node.id": "1",
        "process.roles": "broker,controller",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(data_dir / "kraft-logs"),
        "num.partitions": "8",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        # Fewer internal partitions than the default 50 make the first group join and
        # the first transaction markedly faster on a one-node broker.
        "offsets.topic.num.partitions": "8",
        "transaction.state.log.num.partitions": "8",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "log.segment.bytes": str(16 * 1024 * 1024),
        "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
        "num.network.threads": "2",
        "num.io.threads": "4",
        "num.recovery.threads.per.data.dir": "1",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def log4j_properties(log_file: Path) -> str:
    """log4j 1 config: WARN to one file, plus the line saying the server started."""
    return (
        "log4j.rootLogger=WARN, file\n"
        "log4j.appender.file=org.apache.log4j.FileAppender\n"
        f"log4j.appender.file.File={log_file}\n"
        "log4j.appender.file.Append=true\n"
        "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
        "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
        "log4j.logger.kafka.server.KafkaRaftServer=INFO\n"
    )


def prepare_kafka(
    data_dir: Path, port: int, controller_port: int, libs: Path | None = None
) -> list[str]:
    """Write configs into data_dir, format its storage, and return the broker's argv."""
    java = require_tool("java", "to run the Kafka broker (install a JDK 17 or use engine 'tansu')")
    classpath = str((libs or ensure_kafka_jars()) / "*")
    config = data_dir / "server.properties"
    log4j = data_dir / "log4j.properties"
    config.write_text(server_properties(data_dir, port, controller_port))
    log4j.write_text(log4j_properties(data_dir / SERVER_LOG))
    base = [java, *JVM_OPTS, "-cp", classpath, f"-Dlog4j.configuration=file:{log4j}"]
    # A kept data dir is already formatted with its own cluster id, which must not change.
    if not (data_dir / "kraft-logs" / "meta.properties").exists():
        _format_storage(base, config)
    return [*base, "kafka.Kafka", str(config)]


def _format_storage(base: list[str], config: Path) -> None:
    # Static controller.quorum.voters, so 3.9's format needs no --standalone.
    cmd = [*base, "kafka.tools.StorageTool", "format", "-t", random_cluster_id(), "-c", str(config)]
    try:
        done = subprocess.run(
            cmd, check=False, capture_output=True, text=True, timeout=FORMAT_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as exc:
        raise BrokerError(f"kafka storage format timed out after {FORMAT_TIMEOUT_S:.0f} s") from exc
    if done.returncode != 0:
        output = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
        raise BrokerError(f"kafka storage format failed (exit {done.returncode}):\n{output}")
