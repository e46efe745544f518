"""The portfolio stage through the real broker: a drawdown snapshot halts the portfolio, the next
signals are cut to reductions, an operator's reset (CLI) lifts the halt, and the weight history
exports as CSV (CLI)."""

import asyncio
import csv
import time

import orjson
import pytest

from schemas.topics import Topic
from tests.integration.harness import collect, produce, value
from tests.integration.test_cli_round_trip import cli

pytestmark = pytest.mark.integration
T = 1_763_700_000_000_000_000
S = 1_000_000_000
PID = "fund-k"


def snapshot(ts: int, equity: float) -> dict:
    return {"portfolio_id": PID, "timestamp_ns": ts, "equity_usd": equity,
            "positions": {"BTC-USD": {"quantity": 2.0, "market_value_usd": 100_000.0}},
            "realized_pnl_today_usd": 0.0, "peak_equity_usd": 1_000_000.0}  # fmt: skip


def signal(n: int, symbol: str, action: str, strategy: str = "s1") -> dict:
    return {"strategy_id": strategy, "symbol": symbol, "action": action, "confidence": 0.7,
            "risk_score": 0.2, "price": 50_000.0, "portfolio_id": PID,
            "timestamp_ns": T + n * S, "correlation_id": f"risk-{n}"}  # fmt: skip


def publish(worker, records: list[tuple[Topic, str, dict]], settle_s: float = 2.0) -> None:
    """Send, then wait as a live feed would, so the next records join with this state."""
    out = [(worker.topic(t), key.encode(), value(doc)) for t, key, doc in records]
    asyncio.run(produce(worker.bootstrap, out))
    time.sleep(settle_s)


def decisions(worker, count: int) -> dict[str, dict]:
    got = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DECISIONS), count, 60))
    return {d["correlation_id"]: d for d in got}


def test_drawdown_halts_the_portfolio_until_an_operator_resets_it(worker_factory, tmp_path):
    worker = worker_factory().start()
    onchain = {"funding_rate": 0.001, "oi_change_pct": 0.0, "volume_ratio": 1.0,
               "onchain_whale_pressure": 0.1, "exchange_netflow_zscore": 0.0, "timestamp_ns": T}  # fmt: skip
    state: list[tuple[Topic, str, dict]] = []
    for sym in ("BTC-USD", "ETH-USD"):
        state += [
            (Topic.REGIME, sym, {"symbol": sym, "regime": "TRENDING_UP", "timestamp_ns": T}),
            (Topic.ONCHAIN, sym, {"symbol": sym, **onchain}),
        ]
    publish(worker, [*state, (Topic.PORTFOLIO, PID, snapshot(T, 1_000_000.0))])
    publish(worker, [(Topic.TACTICAL, "BTC-USD", signal(1, "BTC-USD", "BUY"))])

    # 3 % below the peak: past the 2 % drawdown limit.
    publish(worker, [(Topic.PORTFOLIO, PID, snapshot(T + 2 * S, 970_000.0))])
    publish(
        worker,
        [
            (Topic.TACTICAL, "BTC-USD", signal(3, "BTC-USD", "STRONG_BUY")),
            (Topic.TACTICAL, "ETH-USD", signal(4, "ETH-USD", "BUY", "s2")),
            (Topic.TACTICAL, "BTC-USD", signal(5, "BTC-USD", "SELL")),
        ],
    )
    reset = cli(worker, "reset-kill-switch", "--portfolio", PID, "--reason", "drawdown reviewed")
    assert reset.returncode == 0, reset.stderr
    assert b"RESET_KILL_SWITCH" in reset.stdout
    time.sleep(2)
    publish(worker, [(Topic.TACTICAL, "ETH-USD", signal(6, "ETH-USD", "BUY", "s2"))], 0)
    got = decisions(worker, 5)

    before = got["risk-1"]
    assert (before["trading_state"], before["side"]) == ("ACTIVE", "LONG")
    assert before["target_position_usd"] > 100_000.0  # above the held position: an increase

    halted = [got[f"risk-{n}"] for n in (3, 4, 5)]
    assert all(d["trading_state"] == "HALTED" for d in halted)
    assert all(d["components"]["risk"]["kill_switch"]["cause"] == "drawdown" for d in halted)
    increase, new_entry, flip = halted
    assert increase["target_position_usd"] == pytest.approx(100_000.0)  # held, not increased
    assert "kill_switch" in increase["reasons"]
    assert new_entry["target_position_usd"] == 0.0 and "kill_switch" in new_entry["reasons"]
    assert flip["target_position_usd"] == 0.0 and flip["side"] == "FLAT"  # a flip becomes a close
    assert [w["step"] for w in increase["waterfall"]][-1] == "trading_state"

    after = got["risk-6"]
    assert after["trading_state"] == "ACTIVE" and after["target_position_usd"] > 0.0
    audit = after["components"]["risk"]["kill_switch"]["last_reset"]
    assert (audit["reason"], audit["source"]["topic"]) == (
        "drawdown reviewed",
        worker.topic(Topic.CONTROL),
    )
    assert after["lineage"]["reads"]["kill_switch_reset"]["topic"] == worker.topic(Topic.CONTROL)

    out = tmp_path / "weights.csv"
    exported = cli(worker, "export", "weight-history", "--portfolio", PID, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == [
        "timestamp",
        "strategy_id",
        "weight",
        "total_allocated",
        "num_strategies",
    ]
    assert {r["strategy_id"] for r in rows} == {"s1", "s2"}
    last = [r for r in rows if r["timestamp"] == rows[-1]["timestamp"]]
    assert sum(float(r["weight"]) for r in last) == pytest.approx(1.0)

    # The replay re-derives the decisions after the reset too: the reset says which snapshot
    # it followed, and from there the state depends on nothing else.
    assert audit["after_snapshot"]["topic"] == worker.topic(Topic.PORTFOLIO)
    replayed = cli(worker, "replay", "--json", "-")
    assert replayed.returncode == 0, replayed.stderr
    assert b"reading the answers again" not in replayed.stderr  # kept whole from the start
    found = orjson.loads(replayed.stdout)["decisions"]
    assert (found["checked"], found["identical"], found["after_reset"]) == (5, 5, [])
