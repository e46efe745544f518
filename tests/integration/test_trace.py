"""`himari-l3 trace` against a real worker: one correlation id followed across every topic."""

import asyncio

import orjson
import pytest

from schemas.topics import Topic
from tests.integration.harness import collect, produce, value
from tests.integration.test_cli_round_trip import cli

pytestmark = pytest.mark.integration
T = 1_763_700_000_000_000_000
CID = "uw_0123456789abcdef"


def signal(**over: object) -> dict:
    return {"strategy_id": "s1", "symbol": "BTC-USD", "action": "BUY", "confidence": 0.7,
            "risk_score": 0.2, "price": 43_500.0, "timestamp_ns": T, **over}  # fmt: skip


def test_trace_lists_the_signal_its_answers_its_outcome_and_its_dead_letter(worker_factory):
    worker = worker_factory().start()
    outcome = {"strategy_id": "s1", "symbol": "BTC-USD", "realized_return": 0.01,
               "timestamp_ns": T + 1, "correlation_id": CID}  # fmt: skip
    records = [
        (Topic.TACTICAL, signal(correlation_id=CID)),
        (Topic.TACTICAL, signal(correlation_id=CID, confidence=1.5)),  # dead-lettered
        (Topic.TACTICAL, signal(timestamp_ns=T + 2)),  # no id: known by its position
        (Topic.OUTCOMES, outcome),
    ]
    sent = [(worker.topic(t), b"BTC-USD", value(doc)) for t, doc in records]
    asyncio.run(produce(worker.bootstrap, sent))
    decisions = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DECISIONS), 2, 60))

    done = cli(worker, "trace", CID, "--json")
    assert done.returncode == 0, done.stderr.decode()
    found = [orjson.loads(line) for line in done.stdout.splitlines()]
    topics = [f["topic"].removeprefix(worker.prefix) for f in found]
    assert topics == [
        "himari.l2.tactical", "himari.l2.tactical", "himari.l3.outcomes",
        "himari.l3.sized", "himari.l3.decisions", "himari.l3.deadletter",
    ]  # fmt: skip
    assert found[-1]["message"]["error_type"] == "out_of_range"

    [positional] = [d["correlation_id"] for d in decisions if d["correlation_id"] != CID]
    shown = cli(worker, "trace", positional)
    lines = shown.stdout.decode().splitlines()
    assert shown.returncode == 0 and len(lines) == 3  # the signal, its sized record, its decision
    assert "-> LONG" in lines[-1] or "-> FLAT" in lines[-1]
    assert cli(worker, "trace", "nobody").returncode == 1
