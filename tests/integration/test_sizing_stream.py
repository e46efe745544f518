"""The whole stream on a real Kafka broker: the demo scenario in, one decision per signal out."""

import asyncio
import collections

import pytest

from himari_l3.demo.runner import publish_scenario
from himari_l3.demo.scenario import build_scenario, stamped
from schemas.outputs import SizingDecision
from schemas.topics import CONTRACT, Topic
from sizing.records import decision_id
from sizing.refs import InputRef
from tests.integration.harness import collect, produce, value

pytestmark = pytest.mark.integration
START_NS = 1_763_700_000_000_000_000


def scenario_records(worker) -> list[tuple[str, bytes | None, bytes]]:
    out = []
    for event in build_scenario():
        doc = stamped(event, START_NS)
        key_field = CONTRACT[event.topic].key_field
        out.append((worker.topic(event.topic), str(doc[key_field]).encode(), value(doc)))
    return out


def test_demo_scenario_yields_one_valid_decision_per_tactical_signal(worker_factory):
    worker = worker_factory().start()
    records = scenario_records(worker)
    refs = asyncio.run(produce(worker.bootstrap, records))
    tactical = [InputRef(*ref) for ref in refs if ref[0] == worker.topic(Topic.TACTICAL)]

    decisions = asyncio.run(
        collect(worker.bootstrap, worker.topic(Topic.DECISIONS), len(tactical), 90)
    )

    assert len(decisions) == len(tactical), (
        f"{len(decisions)} of {len(tactical)}: {worker.logs()[-1500:]}"
    )
    parsed = [
        SizingDecision.model_validate({k: v for k, v in d.items() if k != "key"}) for d in decisions
    ]
    assert {d.decision_id for d in parsed} == {decision_id(ref) for ref in tactical}
    assert all(d["key"] == d["symbol"].encode() for d in decisions)
    assert all(d.lineage.trigger.topic == worker.topic(Topic.TACTICAL) for d in parsed)
    assert all(
        abs(d.target_position_usd) <= 0.15 * d.components["budgets"]["equity_usd"] + 1e-6
        for d in parsed
    )


def test_paced_demo_scenario_decisions_show_every_stage_acting(worker_factory):
    worker = worker_factory().start()
    # Paced like a live feed (5x): the as-of join sees each symbol's state as it was then.
    events = build_scenario()
    asyncio.run(publish_scenario(worker.config, events, speed=5.0, start_ns=START_NS))
    n = sum(1 for e in events if e.topic is Topic.TACTICAL)
    decisions = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DECISIONS), n, 90))

    reasons = collections.Counter(r for d in decisions for r in d["reasons"])
    sides = collections.Counter(d["side"] for d in decisions)
    assert sides["LONG"] and sides["SHORT"] and sides["FLAT"], (
        f"{len(decisions)} of {n}: {worker.logs()[-2500:]}"
    )
    assert reasons["hold"] and reasons["position_budget"]
    assert any(d["recommendation"] in {"EXIT", "REDUCE_75%", "REDUCE_50%"} for d in decisions)
    for d in decisions:  # the waterfall is signed and ends at the target
        assert d["waterfall"][-1]["size_usd"] == pytest.approx(d["target_position_usd"], abs=1e-6)
    assert {"ensemble_penalty", "kill_switch"} <= set(reasons), reasons
    assert {d["trading_state"] for d in decisions} >= {"ACTIVE", "HALTED"}
