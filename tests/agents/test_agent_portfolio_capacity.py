"""A partition holds at most `sizing.max_portfolios_per_partition` portfolios: books (with their
weight history) and snapshot entries. A further portfolio is refused, answered once and fenced."""

import zlib

import orjson
from agent_harness import Sent, Shell, config, onchain, regime, snapshot, tactical

from schemas.config import Layer3Config, SizingConfig
from schemas.topics import Topic

PARTITIONS = config().topics.partitions


def same_partition(count: int) -> list[str]:
    """Portfolio ids whose keys land in one partition, as the contract's partitioner puts them."""
    by_partition: dict[int, list[str]] = {}
    for i in range(1000):
        pid = f"p{i}"
        found = by_partition.setdefault(zlib.crc32(pid.encode()) % PARTITIONS, [])
        found.append(pid)
        if len(found) == count:
            return found
    raise AssertionError("no partition with enough ids")


FIRST, SECOND = same_partition(2)


def capped(cap: int = 1) -> Shell:
    base = config()
    cfg = Layer3Config(worker=base.worker, sizing=SizingConfig(max_portfolios_per_partition=cap))
    shell = Shell(cfg)
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    shell.feed(Topic.ONCHAIN, onchain())
    return shell


def decide(shell: Shell, pid: str) -> list[Sent]:
    shell.feed(Topic.TACTICAL, tactical(portfolio_id=pid))
    shell.pass_sized_on(shell.deliver())
    return shell.deliver()


def decisions(sent: list[Sent]) -> list[dict]:
    return [orjson.loads(s.value) for s in sent if s.topic == "himari.l3.decisions"]


def test_a_portfolio_beyond_the_partitions_cap_is_decided_flat_with_portfolio_limit() -> None:
    shell = capped()
    [first] = decisions(decide(shell, FIRST))
    [second] = decisions(decide(shell, SECOND))
    assert first["target_position_usd"] > 0.0
    assert second["target_position_usd"] == 0.0
    assert "portfolio_limit" in second["reasons"]
    assert second["lineage"]["reads"]["ensemble"] is None
    assert set(shell.rt.tables.ensemble.data) == {FIRST}
    assert all(k.startswith(f"{FIRST}|") for k in shell.rt.tables.weight_history.data)


def test_the_admitted_portfolio_keeps_being_sized_when_the_partition_is_full() -> None:
    shell = capped()
    decide(shell, FIRST)
    decide(shell, SECOND)
    [again] = decisions(decide(shell, FIRST))
    assert "portfolio_limit" not in again["reasons"]
    assert shell.rt.tables.ensemble.data[FIRST].snapshots == 2


def test_a_portfolio_of_another_partition_has_room_of_its_own() -> None:
    shell = capped()
    other = next(
        f"q{i}"
        for i in range(1000)
        if zlib.crc32(f"q{i}".encode()) % PARTITIONS != zlib.crc32(FIRST.encode()) % PARTITIONS
    )
    decide(shell, FIRST)
    [decision] = decisions(decide(shell, other))
    assert "portfolio_limit" not in decision["reasons"]


def test_a_refused_decision_redelivered_after_a_restart_is_sent_again_byte_for_byte() -> None:
    crashed = capped()
    decide(crashed, FIRST)
    crashed.feed(Topic.TACTICAL, tactical(portfolio_id=SECOND))
    sized = crashed.deliver()
    crashed.pass_sized_on(sized)
    refused = crashed.fed[-1]
    changelog = crashed.producer.sent[:]
    changelog += crashed.deliver()
    crashed.feed(Topic.PORTFOLIO, snapshot(10.0, portfolio_id=FIRST))  # what it would read now
    changelog += crashed.deliver()

    restarted = capped()
    restarted.restore(changelog)
    restarted.handle(refused)
    again = [s.value for s in restarted.deliver() if s.topic == "himari.l3.decisions"]
    assert again == [s.value for s in changelog if s.topic == "himari.l3.decisions"][-1:]


def test_a_snapshot_of_a_portfolio_beyond_the_cap_is_dead_lettered_naming_portfolio_id() -> None:
    shell = capped()
    shell.feed(Topic.PORTFOLIO, snapshot(portfolio_id=FIRST))
    shell.feed(Topic.PORTFOLIO, snapshot(portfolio_id=SECOND))
    shell.feed(Topic.PORTFOLIO, snapshot(200_000.0, portfolio_id=FIRST))
    shell.deliver()
    [dead] = shell.sent_docs(Topic.DEADLETTER)
    assert dead["error_type"] == "over_capacity"
    assert "portfolio_id" in dead["error"] and SECOND in dead["error"]
    assert set(shell.rt.tables.portfolio.data) == {FIRST}
    assert shell.rt.tables.portfolio.data[FIRST].equity_usd == 200_000.0


def test_a_redelivered_snapshot_gets_the_answer_it_got_before_the_crash() -> None:
    """Admitted stays admitted though its entry was lost; refused stays refused."""
    crashed = capped(cap=2)
    a, b, c = (crashed.feed(Topic.PORTFOLIO, snapshot(portfolio_id=p)) for p in same_partition(3))
    crashed.deliver()
    crashed.rt.tables.portfolio.data.pop(a.key.decode())  # its record did not land
    for message in (a, b, c):
        crashed.handle(message)
    crashed.deliver()
    assert set(crashed.rt.tables.portfolio.data) == {a.key.decode(), b.key.decode()}
    assert [d["error_type"] for d in crashed.sent_docs(Topic.DEADLETTER)] == ["over_capacity"] * 2
