"""Hot config (DESIGN §6): a valid document on the config topic changes decisions live;
an invalid one is rejected with a reason and the config in force stays."""

import asyncio
import time

import orjson
import pytest

from schemas.config import Layer3Config
from schemas.config_loading import parse_config
from schemas.topics import Topic
from tests.integration.harness import collect, produce, value

pytestmark = pytest.mark.integration
T = 1_763_700_000_000_000_000


def publish_inputs(worker, n: int) -> None:
    """The symbol's state, then (as a live feed would, once the state is in) one signal."""
    state = [
        (Topic.REGIME, {"symbol": "BTC-USD", "regime": "RANGING", "timestamp_ns": T}),
        (Topic.ONCHAIN, {"symbol": "BTC-USD", "funding_rate": 0.001, "oi_change_pct": 0.0, "volume_ratio": 1.0,
                         "onchain_whale_pressure": 0.1, "exchange_netflow_zscore": 0.0, "timestamp_ns": T}),
    ]  # fmt: skip
    signal = {"strategy_id": "s", "symbol": "BTC-USD", "action": "BUY", "confidence": 0.6, "risk_score": 0.2,
              "price": 100.0, "timestamp_ns": T + n, "correlation_id": f"sig-{n}"}  # fmt: skip
    asyncio.run(
        produce(worker.bootstrap, [(worker.topic(t), b"BTC-USD", value(doc)) for t, doc in state])
    )
    time.sleep(2)
    asyncio.run(
        produce(worker.bootstrap, [(worker.topic(Topic.TACTICAL), b"BTC-USD", value(signal))])
    )


def test_config_topic_changes_decisions_and_invalid_documents_are_rejected(worker_factory):
    worker = worker_factory().start()
    default_version = worker.config.config_version
    publish_inputs(worker, 1)
    [first] = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DECISIONS), 1, 60))

    lower = Layer3Config.model_validate({"sizing": {"kelly": {"kelly_fraction": 0.1}}})
    document = orjson.dumps(lower.model_dump(mode="json", exclude={"kafka"}))
    invalid = b'{"sizing": {"kelly": {"kelly_fraction": 7}}}'
    config_topic = worker.topic(Topic.CONFIG)
    asyncio.run(
        produce(
            worker.bootstrap,
            [(config_topic, b"layer3", document), (config_topic, b"layer3", invalid)],
        )
    )
    asyncio.run(asyncio.sleep(3))
    publish_inputs(worker, 2)
    decisions = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DECISIONS), 2, 60))
    [letter] = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DEADLETTER), 1, 30))

    second = next(d for d in decisions if d["correlation_id"] == "sig-2")
    assert first["strategy_size_usd"] > 0, first["reasons"]
    assert first["config_version"] == default_version
    assert (
        second["config_version"]
        == parse_config(orjson.loads(document)).config_version
        != default_version
    )
    assert second["strategy_size_usd"] == pytest.approx(first["strategy_size_usd"] * 0.1 / 0.25)
    assert letter["error_type"] == "invalid_config" and "kelly_fraction" in letter["error"]


def test_a_restarted_worker_starts_with_the_config_topics_latest_valid_document(worker_factory):
    worker = worker_factory()
    doc = orjson.dumps({"sizing": {"sentiment": {"weight": 0.3}}})
    expected = parse_config({"sizing": {"sentiment": {"weight": 0.3}}}).config_version
    worker.start()
    asyncio.run(produce(worker.bootstrap, [(worker.topic(Topic.CONFIG), b"layer3", doc)]))
    worker.stop()
    worker.start()
    assert f"config version {expected} in force" in worker.logs()
    publish_inputs(worker, 3)
    [decision] = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DECISIONS), 1, 60))
    assert decision["config_version"] == expected
