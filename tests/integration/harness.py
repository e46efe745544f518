"""Real brokers, real worker processes and real clients for the integration tests."""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from schemas.config import Layer3Config
from schemas.config_loading import parse_config
from schemas.topics import Topic, full_name

READY_MARK = b"Worker]: Ready"


@dataclass
class Worker:
    """One `himari-l3 worker` process with its own app id and topic prefix."""

    bootstrap: str
    workdir: Path
    prefix: str = field(default_factory=lambda: f"it{uuid.uuid4().hex[:8]}.")
    extra_env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    log_start: int = 0

    @property
    def env(self) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "HIMARI_L3__TOPICS__PREFIX": self.prefix,
            "HIMARI_L3__WORKER__APP_ID": f"himari-{self.prefix.rstrip('.')}",
            "HIMARI_L3__WORKER__DATA_DIR": str(self.workdir / "data"),
            "HIMARI_L3__WORKER__WEB_PORT": "0",
            "HIMARI_L3__WORKER__METRICS_PORT": "0",
            # Stable across this worker's restarts, unique in its group (exactly_once).
            "HIMARI_L3__WORKER__INSTANCE_ID": self.workdir.name,
            **self.extra_env,
        }

    @property
    def config(self) -> Layer3Config:
        return parse_config({}, self.env)

    @property
    def log_path(self) -> Path:
        return self.workdir / "worker.log"

    def topic(self, topic: Topic) -> str:
        return full_name(topic, self.prefix)

    def start(self, wait: bool = True) -> "Worker":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "himari_l3.cli", "worker"],
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"worker exited {self.proc.returncode}:\n{self.logs()[-4000:]}"
                )
            if READY_MARK in self.log_path.read_bytes()[self.log_start :]:
                return
            time.sleep(0.2)
        raise AssertionError(f"worker not ready in {timeout_s} s:\n{self.logs()[-4000:]}")

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def produce(
    bootstrap: str, records: Iterable[tuple[str, bytes | None, bytes]]
) -> list[tuple[str, int, int]]:
    """Send (topic, key, value) records in order; returns each record's (topic, partition, offset)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    try:
        futures = [await producer.send(t, v, key=k) for t, k, v in records]
        metas = [await f for f in futures]
    finally:
        await producer.stop()
    return [(m.topic, m.partition, m.offset) for m in metas]


async def collect(
    bootstrap: str, topic: str, count: int, timeout_s: float = 60.0
) -> list[dict[str, Any]]:
    """Read `topic` from the beginning until `count` records arrived (or the time is up)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100
    )
    await consumer.start()
    out: list[dict[str, Any]] = []
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + timeout_s
        while not consumer.assignment() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await consumer.seek_to_beginning()
        while len(out) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                out.extend({"key": r.key, **orjson.loads(r.value)} for r in records)
    finally:
        await consumer.stop()
    return out


def value(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document)
