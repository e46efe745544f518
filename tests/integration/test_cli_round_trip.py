"""The README's round trip: `himari-l3 publish` from stdin and a file, then `himari-l3 tail`."""

import os
import subprocess
import sys
import time

import orjson
import pytest

from schemas.topics import Topic

pytestmark = pytest.mark.integration
T = 1_763_700_000_000_000_000


def cli(worker, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "himari_l3.cli", *args],
        input=stdin,
        env={**os.environ, **worker.env},
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_published_jsonl_is_keyed_by_the_contract_and_tail_prints_the_decision(
    worker_factory, tmp_path
):
    worker = worker_factory().start()
    regime = {"symbol": "BTC-USD", "regime": "trending_up", "timestamp_ns": T}
    onchain = {"symbol": "BTC-USD", "funding_rate": 0.001, "oi_change_pct": -0.02, "volume_ratio": 1.1,
               "onchain_whale_pressure": 0.2, "exchange_netflow_zscore": 0.3, "timestamp_ns": T}  # fmt: skip
    state = tmp_path / "state.jsonl"
    state.write_bytes(orjson.dumps(regime) + b"\n\n")
    assert cli(worker, "publish", worker.topic(Topic.REGIME), str(state)).returncode == 0
    published = cli(
        worker, "publish", worker.topic(Topic.ONCHAIN), "-", stdin=orjson.dumps(onchain)
    )
    assert published.returncode == 0 and b"published 1 record" in published.stdout
    time.sleep(2)  # as a live feed would: the state is applied before the signal arrives
    signal = {"strategy_id": "s1", "symbol": "BTC-USD", "action": "BUY", "confidence": 0.7, "risk_score": 0.2,
              "price": 43500, "timestamp_ns": T + 100_000_000}  # fmt: skip
    assert (
        cli(
            worker, "publish", worker.topic(Topic.TACTICAL), "-", stdin=orjson.dumps(signal)
        ).returncode
        == 0
    )

    shown = cli(worker, "tail", "himari.l3.decisions", "--from-beginning", "--limit", "1")
    raw = cli(worker, "tail", "himari.l3.decisions", "--from-beginning", "--limit", "1", "--json")

    line = shown.stdout.decode()
    assert (
        "BTC-USD" in line
        and "s1" in line
        and "BUY" in line
        and "-> LONG" in line
        and "TRENDING_UP" in line
    )
    decision = orjson.loads(raw.stdout.splitlines()[0])
    assert decision["side"] == "LONG" and decision["target_position_usd"] > 0
    assert decision["lineage"]["reads"]["regime"]["topic"] == worker.topic(Topic.REGIME)


def test_tail_prints_dead_letters_readably(worker_factory):
    worker = worker_factory().start()
    assert (
        cli(
            worker, "publish", worker.topic(Topic.TACTICAL), "-", stdin=b'{"symbol": "BTC-USD"}'
        ).returncode
        == 0
    )
    shown = cli(worker, "tail", "himari.l3.deadletter", "--from-beginning", "--limit", "1")
    assert "DEAD LETTER" in shown.stdout.decode() and "missing_field" in shown.stdout.decode()
