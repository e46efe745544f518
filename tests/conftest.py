"""Session-wide real broker (Apache Kafka in KRaft mode) for the integration and chaos tests."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from himari_l3.embedded import EmbeddedBroker
from tests.integration.harness import Worker


@pytest.fixture(scope="session")
def kafka() -> Iterator[EmbeddedBroker]:
    if shutil.which("java") is None:
        pytest.skip("java is not installed: the real Kafka engine cannot run")
    with EmbeddedBroker("kafka") as broker:
        yield broker


@pytest.fixture
def worker_factory(kafka: EmbeddedBroker, tmp_path: Path) -> Iterator[object]:
    started: list[Worker] = []

    def make(prefix: str | None = None, **extra_env: str) -> Worker:
        """A worker with its own topics, or one more in the group of the worker with `prefix`."""
        group = {} if prefix is None else {"prefix": prefix}
        w = Worker(
            kafka.bootstrap_servers,
            tmp_path / f"w{len(started)}",
            extra_env=dict(extra_env),
            **group,
        )
        started.append(w)
        return w

    yield make
    for w in started:
        w.stop()
