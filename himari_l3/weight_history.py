"""`himari-l3 export weight-history`: the ensemble's weight snapshots (seed 000 §11.7) as CSV.

They are read from the weight-history table's changelog: the latest record of each page.
"""

import csv
from datetime import UTC, datetime
from pathlib import Path

import orjson

from himari_l3.topic_reader import read_to_end
from schemas.config import Layer3Config
from sizing.portfolio_book import WeightPage, WeightSnapshot
from streams.topic_admin import changelog_name

COLUMNS = ("timestamp", "strategy_id", "weight", "total_allocated", "num_strategies")


def latest_snapshots(
    records: list[tuple[bytes | None, bytes | None]], portfolio_id: str, history_size: int
) -> list[WeightSnapshot]:
    """The portfolio's last `history_size` snapshots, oldest first, from (key, value)
    changelog records in order (the latest record of each page counts)."""
    prefix = f"{portfolio_id}|".encode()
    pages: dict[bytes, bytes | None] = {}
    for key, value in records:
        if key is not None and key.startswith(prefix):
            pages[key] = value
    snaps = [
        snap
        for v in pages.values()
        if v is not None
        for snap in WeightPage.from_dict(orjson.loads(v)).snapshots
    ]
    return sorted(snaps, key=lambda s: s.seq)[-history_size:]


def iso(timestamp_ns: int) -> str:
    seconds, ns = divmod(timestamp_ns, 1_000_000_000)
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{ns:09d}Z"


def write_csv(snaps: list[WeightSnapshot], out: Path) -> int:
    """One row per strategy per snapshot; returns the number of rows."""
    rows = 0
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for snap in snaps:
            for strategy, weight in snap.weights.items():
                writer.writerow(
                    (
                        iso(snap.timestamp_ns),
                        strategy,
                        weight,
                        snap.total_allocated_usd,
                        snap.num_strategies,
                    )
                )
                rows += 1
    return rows


async def export(cfg: Layer3Config, portfolio_id: str, out: Path) -> tuple[int, int]:
    """(snapshots, rows) written to `out`."""
    topic = changelog_name(cfg, "weight_history")
    records = await read_to_end(cfg.kafka, topic)
    history = cfg.sizing.ensemble.history_size
    snaps = latest_snapshots([(r.key, r.value) for r in records], portfolio_id, history)
    return len(snaps), write_csv(snaps, out)
