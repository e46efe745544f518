"""Soak: the worker at a steady offered rate for many minutes, with keys churning; RSS and slope.

Method. An embedded broker (Apache Kafka by default) and one `himari-l3 worker` subprocess on
fresh topics (a unique prefix and app id). The workload (bench/churn.py) is a universe of
`--symbols` symbols, `--strategies` strategies and `--portfolios` portfolios of which only a
window is active at a time; both windows slide over the whole universe during the run, so new
(symbol, strategy) keys keep appearing and old ones go quiet for good. Every active symbol is
introduced (regime, on-chain, sentiment) before its first signal; state inputs (regime,
on-chain, sentiment, outcomes per (strategy, symbol)) come at `--state-ratio` per signal and a
snapshot per portfolio every `--snapshot-s` seconds, so every table grows as in production.

Tactical signals are offered at `--rate` per second (bursts every 10 ms, stamped with the wall
clock as event time) for `--minutes`. Every `--sample-s` seconds the worker's resident set
(VmRSS of /proc/PID/status) is sampled; every minute a line shows elapsed time, RSS, the
worker's CPU use over the minute (% of one core, /proc/PID/stat), signals offered, decisions
received (distinct, by correlation id), decisions/s over the minute, the backlog (offered −
decided), and the sizes of the newest `ensemble` (a portfolio's book) and `weight_history`
changelog records and of the largest decision of the minute.

At the end: the least-squares slope of RSS over time (MiB/min) over the whole run and over its
second half (after warm-up); the offered signals are drained (every one must get a decision);
and every changelog (`{app_id}-{table}-changelog`) is read: records written, records and keys
left, p50 and max record size per table; the newest book of each portfolio is decoded and its
per-key maps counted. A book must stay under the broker's 1 MB message limit.

Checks (exit status 1 when one fails): the worker kept up (a backlog under `KEEP_UP_S` seconds
of signals when the offering ended), every signal got a decision within `--drain-s`, no dead
letters, the largest book record is under `BOOK_LIMIT_BYTES`, and the RSS slope over the
second half is at most `--max-slope`. A worker that dies, or decides nothing new for
`--stall-s`, ends the run at once with its log's tail (exit status 2).

usage: python bench/soak.py [--minutes 10] [--rate 500] [--symbols 300] [--strategies 200] ...
"""

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson
import procs
from changelogs import Changelogs, TableSizes
from churn import ChurnFeed, Shape
from kafka_io import Watch, produce, producer, settle

from himari_l3.embedded import EmbeddedBroker
from schemas.config_loading import load_config
from schemas.topics import Topic, full_name
from streams.topic_admin import CHANGELOG_GROUPS, ensure_topics

TICK_S = 0.01
READY_TIMEOUT_S = 180.0
KEEP_UP_S = 10.0  # a backlog of more than this many seconds of signals: the worker fell behind
BOOK_LIMIT_BYTES = 1_000_000  # the broker's (and the producer's) max message size is ~1 MB
MIB = 1024 * 1024


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--engine", choices=["kafka", "tansu"], default="kafka")
    p.add_argument("--minutes", type=float, default=10.0, help="how long signals are offered")
    p.add_argument("--rate", type=int, default=500, help="offered tactical signals/s")
    p.add_argument("--symbols", type=int, default=300, help="symbols in the universe")
    p.add_argument("--strategies", type=int, default=200, help="strategies in the universe")
    p.add_argument("--portfolios", type=int, default=5)
    p.add_argument("--active-symbols", type=int, default=60, help="symbols active at a time")
    p.add_argument("--active-strategies", type=int, default=40, help="strategies active at a time")
    p.add_argument("--state-ratio", type=float, default=0.25, help="state inputs per signal")
    p.add_argument("--snapshot-s", type=float, default=10.0, help="snapshot period per portfolio")
    p.add_argument("--sample-s", type=float, default=10.0, help="RSS sampling period")
    p.add_argument(
        "--stall-s", type=float, default=120.0, help="no new decision for this long fails"
    )
    p.add_argument("--drain-s", type=float, default=300.0, help="wait for the backlog at the end")
    p.add_argument("--max-slope", type=float, default=1.0, help="MiB/min, second half: the check")
    p.add_argument(
        "--strategy-idle-s",
        type=float,
        default=120.0,
        help="the worker's ensemble.strategy_idle_s: the soak slides its strategy window over\n"
        "the universe in minutes, so a strategy's idle time is compressed as much",
    )
    p.add_argument(
        "--track-idle-s",
        type=float,
        default=120.0,
        help="the worker's expiry.track_record_idle_s, compressed likewise; its sweeps run\n"
        "every quarter of it (expiry.sweep_every_s)",
    )
    p.add_argument(
        "--history-size",
        type=int,
        default=200,
        help="the worker's ensemble.history_size: the ring of weight snapshots per portfolio\n"
        "(1,000 by default) takes most of a 10-minute soak to fill, so its fill is not\n"
        "told apart from a leak; 200 fills in the first minutes",
    )
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = p.parse_args(argv)
    if args.minutes <= 0 or args.rate < 1 or args.sample_s <= 0 or args.state_ratio < 0:
        p.error("--minutes, --rate, --sample-s must be positive, --state-ratio >= 0")
    return args


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def rss_mib(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB, from /proc/PID/status."""
    fields: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(rest.split()[0]) / 1024.0  # kB
    return fields["VmRSS"], fields["VmHWM"]


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        after_name = f.read().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of y over x; nan with fewer than two distinct x."""
    n = len(points)
    if n < 2:
        return float("nan")
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    return sxy / sxx if sxx > 0 else float("nan")


@dataclass(slots=True)
class Sample:
    t_s: float  # since the offering started
    rss_mib: float
    hwm_mib: float
    cpu_s: float  # the worker's CPU time so far
    signals: int
    decisions: int


@dataclass(slots=True)
class Decisions:
    """What the bench saw on the decision and dead-letter topics."""

    tag: str
    seen: set[int] = field(default_factory=set)  # soak signal numbers that got a decision
    records: int = 0  # every decision record, probes and duplicates included
    probes: int = 0
    max_bytes_minute: int = 0  # the largest decision since the last minute line
    max_bytes: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)
    all_reads: int = 0  # decisions that read every stage-1 table entry and a snapshot
    dead_letters: list[str] = field(default_factory=list)
    last_new_at: float = field(default_factory=time.monotonic)

    def on_record(self, record: Any, _arrival_ns: int, dead_topic: str) -> None:
        if record.topic == dead_topic:
            doc = orjson.loads(record.value)
            self.dead_letters.append(f"{doc.get('error_type')}: {doc.get('error')}")
            return
        self.records += 1
        size = len(record.value)
        self.max_bytes_minute = max(self.max_bytes_minute, size)
        self.max_bytes = max(self.max_bytes, size)
        doc = orjson.loads(record.value)
        cid: str = doc.get("correlation_id", "")
        if not cid.startswith(f"{self.tag}-"):
            self.probes += 1
            return
        n = int(cid.rsplit("-", 1)[1])
        if n not in self.seen:
            self.seen.add(n)
            self.last_new_at = time.monotonic()
            self.reasons.update(doc["reasons"])
            self.states[doc["trading_state"]] += 1
            reads = doc["lineage"]["reads"]
            if all(reads[k] is not None for k in ("cascade", "regime", "sentiment", "portfolio")):
                self.all_reads += 1


class Soak:
    """One run: the feed, the producer, the watcher, the worker and the samples."""

    def __init__(self, args: argparse.Namespace, bootstrap: str, run_id: str) -> None:
        self.args, self.bootstrap = args, bootstrap
        self.prefix, self.app_id = f"{run_id}.", f"himari-{run_id}"
        self.names = {t: full_name(t, self.prefix) for t in Topic}
        shape = Shape(args.symbols, args.strategies, args.portfolios, args.active_symbols,
                      args.active_strategies)  # fmt: skip
        self.feed = ChurnFeed(shape, seed=args.seed, tag=run_id)
        self.decisions = Decisions(run_id)
        self.duration_s = args.minutes * 60.0
        self.samples: list[Sample] = []
        self.minutes: list[dict[str, Any]] = []
        self.offering, self.done = asyncio.Event(), asyncio.Event()
        self.started = 0.0
        self.backlog_at_end = 0
        self.futures: list[Any] = []
        self.worker: procs.Child | None = None

    # -- set-up ---------------------------------------------------------------------------
    async def setup(self) -> None:
        env = procs.worker_env(self.bootstrap, self.prefix, self.app_id)
        cfg = load_config(env={**os.environ, **env, "HIMARI_L3__WORKER__DATA_DIR": "unused"})
        await ensure_topics(cfg)  # the contract topics and the table changelogs
        await settle(self.bootstrap, list(self.names.values()))
        dead = self.names[Topic.DEADLETTER]
        self.watch = Watch(self.bootstrap, [self.names[Topic.DECISIONS], dead])
        self.watch.on_record = lambda r, ns: self.decisions.on_record(r, ns, dead)
        self.prod = producer(self.bootstrap, cfg.kafka.producer_linger_ms)
        self.changelogs = Changelogs(self.bootstrap, self.app_id, list(CHANGELOG_GROUPS))
        await self.watch.start()
        await self.prod.start()
        await self.changelogs.start()

    async def teardown(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        for closing in (self.watch.stop(), self.prod.stop(), self.changelogs.stop()):
            with contextlib.suppress(Exception):
                await closing

    def _items(self, records: Sequence[Any]) -> list[tuple[str, bytes, bytes]]:
        return [(self.names[r.topic], r.key, r.value) for r in records]

    async def start_worker(self) -> None:
        """Introduce the first window, start the worker, probe until a decision comes back."""
        now = time.time_ns()
        first = self.feed.introductions(0.0, now) + self.feed.snapshots(0.0, now)
        await produce(self.prod, self._items(first))
        t0 = time.monotonic()
        self.worker = procs.worker(self.bootstrap, self.prefix, self.app_id)
        probe_feed = ChurnFeed(self.feed.shape, seed=1, tag="probe")
        while self.decisions.probes == 0:
            self.worker.check_alive()
            if time.monotonic() - t0 > READY_TIMEOUT_S:
                raise TimeoutError(f"no decision {READY_TIMEOUT_S:.0f} s after the worker started")
            await produce(self.prod, self._items([probe_feed.signal(0.0, time.time_ns())]))
            await asyncio.sleep(2.0)
        say(f"worker pid {self.worker.proc.pid} deciding {time.monotonic() - t0:.1f} s after start")

    # -- the run --------------------------------------------------------------------------
    async def offer(self) -> None:
        """Signals at --rate, state inputs at --state-ratio, snapshots every --snapshot-s."""
        args, feed = self.args, self.feed
        prod, k, state_due, next_snapshot = self.prod, 0, 0.0, args.snapshot_s
        self.started = self.decisions.last_new_at = time.monotonic()
        self.offering.set()
        try:
            while (elapsed := time.monotonic() - self.started) < self.duration_s:
                progress, now = elapsed / self.duration_s, time.time_ns()
                records = feed.introductions(progress, now)
                if elapsed >= next_snapshot:
                    records += feed.snapshots(progress, now)
                    next_snapshot += args.snapshot_s
                due = int(args.rate * (k + 1) * TICK_S) - feed.signals
                for _ in range(due):
                    state_due += args.state_ratio
                    while state_due >= 1.0:
                        records.append(feed.state_input(progress, now))
                        state_due -= 1.0
                    records.append(feed.signal(progress, now))
                for topic, key, value in self._items(records):
                    self.futures.append(await prod.send(topic, value, key=key))
                k += 1
                await asyncio.sleep(max(0.0, self.started + k * TICK_S - time.monotonic()))
        finally:
            self.done.set()

    async def _acked(self) -> None:
        futures, self.futures = self.futures, []
        await asyncio.gather(*futures)

    def _sample(self) -> Sample:
        assert self.worker is not None
        self.worker.check_alive()
        rss, hwm = rss_mib(self.worker.proc.pid)
        s = Sample(time.monotonic() - self.started, rss, hwm, cpu_s(self.worker.proc.pid),
                   self.feed.signals, len(self.decisions.seen))  # fmt: skip
        self.samples.append(s)
        return s

    async def monitor(self) -> None:
        """Sample RSS every --sample-s; a line every minute; fail on a dead or stalled worker."""
        args = self.args
        await self.offering.wait()
        say(f"offering {args.rate} signals/s for {args.minutes:g} min; RSS every "
            f"{args.sample_s:g} s")  # fmt: skip
        print(f"{'min':>4} {'elapsed':>8} {'RSS MiB':>8} {'cpu %':>6} {'signals':>8} "
              f"{'decided':>8} {'dec/s':>6} {'backlog':>7} {'book KB':>8} {'page KB':>8} "
              f"{'dec KB':>7}", flush=True)  # fmt: skip
        previous = self._sample()
        next_line = 60.0
        while not self.done.is_set():
            wait = args.sample_s - (time.monotonic() - self.started) % args.sample_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.done.wait(), wait)
            await self._acked()
            s = self._sample()
            silent = time.monotonic() - self.decisions.last_new_at
            if silent > args.stall_s:
                raise RuntimeError(f"the worker stalled: no new decision for {silent:.0f} s\n"
                                   f"{self.worker.tail() if self.worker else ''}")  # fmt: skip
            if s.t_s + 0.5 >= next_line or self.done.is_set():
                await self._minute_line(previous, s)
                previous, next_line = s, next_line + 60.0

    async def _minute_line(self, previous: Sample, s: Sample, phase: str = "") -> None:
        latest = await self.changelogs.latest()
        book = max(latest["ensemble"], default=0)
        page = max(latest["weight_history"], default=0)
        dt = max(1e-9, s.t_s - previous.t_s)
        line: dict[str, Any] = {"minute": round(s.t_s / 60.0, 2), "elapsed_s": round(s.t_s, 1),
                "rss_mib": round(s.rss_mib, 1), "signals": s.signals, "decisions": s.decisions,
                "decisions_per_s": round((s.decisions - previous.decisions) / dt, 1),
                "worker_cpu_pct": round(100.0 * (s.cpu_s - previous.cpu_s) / dt, 1),
                "backlog": s.signals - s.decisions, "book_bytes": book, "page_bytes": page,
                "decision_max_bytes": self.decisions.max_bytes_minute, "phase": phase}  # fmt: skip
        self.minutes.append(line)
        self.decisions.max_bytes_minute = 0
        print(f"{line['minute']:>4.0f} {s.t_s:>7.0f}s {s.rss_mib:>8.1f} "
              f"{line['worker_cpu_pct']:>6.0f} {s.signals:>8} {s.decisions:>8} "
              f"{line['decisions_per_s']:>6.0f} {line['backlog']:>7} {book / 1024:>8.1f} "
              f"{page / 1024:>8.1f} {line['decision_max_bytes'] / 1024:>7.1f} {phase}",
              flush=True)  # fmt: skip

    async def drain(self, previous: Sample) -> float:
        """Wait until every offered signal has a decision (a line a minute); seconds it took."""
        t0 = next_sample = time.monotonic()
        next_line = t0 + 60.0
        while len(self.decisions.seen) < self.feed.signals:
            if time.monotonic() - t0 > self.args.drain_s:
                break
            await asyncio.sleep(0.5)
            if time.monotonic() >= next_sample:
                s, next_sample = self._sample(), next_sample + self.args.sample_s
                if time.monotonic() >= next_line:
                    await self._minute_line(previous, s, "drain")
                    previous, next_line = s, next_line + 60.0
        return time.monotonic() - t0

    async def run(self) -> dict[str, Any]:
        await self.setup()
        try:
            await self.start_worker()
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self.offer())
                tg.create_task(self.monitor())
            await self._acked()
            self.backlog_at_end = self.feed.signals - len(self.decisions.seen)
            say(
                f"offered {self.feed.signals} signals; draining the backlog of {self.backlog_at_end}"
            )
            drain_s = await self.drain(self.samples[-1])
            final = self._sample()
            await asyncio.sleep(1.0)  # late dead letters
            assert self.worker is not None
            print(census_blocks(self.worker.tail(5000)), flush=True)
            self.worker.stop()
            self.worker = None
            say("worker stopped; reading the changelogs")
            tables = await self.changelogs.scan()
        finally:
            await self.teardown()
        return self._results(drain_s, final, tables)

    # -- results --------------------------------------------------------------------------
    def _results(
        self, drain_s: float, final: Sample, tables: dict[str, TableSizes]
    ) -> dict[str, Any]:
        half = self.duration_s / 2.0
        run = [(s.t_s / 60.0, s.rss_mib) for s in self.samples if s.t_s <= self.duration_s + 1]
        d = self.decisions
        return {
            "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(self.args).items()},
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "samples": [asdict(s) for s in self.samples],
            "minutes": self.minutes,
            "rss_start_mib": run[0][1] if run else float("nan"),
            "rss_end_mib": run[-1][1] if run else float("nan"),
            "rss_peak_mib": max(s.hwm_mib for s in self.samples),
            "rss_after_drain_mib": final.rss_mib,
            "slope_all_mib_per_min": slope(run),
            "slope_second_half_mib_per_min": slope([p for p in run if p[0] * 60.0 >= half]),
            "signals": self.feed.signals,
            "backlog_when_offering_ended": self.backlog_at_end,
            "decided": len(d.seen),
            "decision_records": d.records,
            "drain_s": drain_s,
            "decision_max_bytes": d.max_bytes,
            "all_reads": d.all_reads,
            "reasons": dict(d.reasons.most_common()),
            "trading_states": dict(d.states),
            "dead_letters": d.dead_letters,
            "symbols_used": self.feed.introduced,
            "tables": {t: _table_summary(s) for t, s in tables.items()},
            "books": {k.decode(): book_shape(v) for k, v in tables["ensemble"].latest.items()},
            "pages": _pages(tables["weight_history"]),
        }


def _table_summary(s: TableSizes) -> dict[str, int]:
    return {"written": s.written, "records": len(s.sizes), "keys": s.keys, "p50_bytes": s.p50(),
            "max_bytes": s.max(), "total_bytes": sum(s.sizes)}  # fmt: skip


def book_shape(value: bytes) -> dict[str, int]:
    """How many entries each per-key map of a portfolio's book (`ensemble`) holds."""
    b = orjson.loads(value)
    return {
        "bytes": len(value),
        "wish_symbols": len(b["wishes"]),
        "wishes": sum(len(w) for w in b["wishes"].values()),
        "wishes_bytes": len(orjson.dumps(b["wishes"])),
        "targets": len(b["targets"]),
        "weights": len(b["weights"]),
        "prices": len(b["prices"]),
        "price_points": sum(len(p["returns"]) for p in b["prices"].values()),
        "prices_bytes": len(orjson.dumps(b["prices"])),
        "samples": len(b["samples"]),
        "sample_points": sum(len(v) for v in b["samples"].values()),
        "samples_bytes": len(orjson.dumps(b["samples"])),
        "swings": len(b["swings"]),
        "swings_bytes": len(orjson.dumps(b["swings"])),
        "replies": len(b["replies"]["sent"]),
        "replies_bytes": len(orjson.dumps(b["replies"])),
    }


def _pages(s: TableSizes) -> dict[str, int]:
    """The weight-history ring: pages kept and the weights per snapshot in the newest pages."""
    weights = [len(snap["weights"]) for v in s.latest.values()
               for snap in orjson.loads(v)["snapshots"]]  # fmt: skip
    return {
        "pages": s.keys,
        "snapshots": len(weights),
        "max_weights_per_snapshot": max(weights, default=0),
    }


def report(r: dict[str, Any]) -> list[str]:
    """Print the summary; returns the failed checks."""
    a = r["args"]
    print(f"\n== soak: {a['minutes']:g} min at {a['rate']} signals/s, {a['symbols']} symbols x "
          f"{a['strategies']} strategies ({a['active_symbols']} x {a['active_strategies']} active "
          f"at a time), {a['portfolios']} portfolios; load after {r['load_after']} ==")  # fmt: skip
    print(f"RSS: start {r['rss_start_mib']:.1f} MiB, end {r['rss_end_mib']:.1f} MiB, peak "
          f"{r['rss_peak_mib']:.1f} MiB, after drain {r['rss_after_drain_mib']:.1f} MiB")  # fmt: skip
    print(f"RSS slope: {r['slope_all_mib_per_min']:+.2f} MiB/min over the run, "
          f"{r['slope_second_half_mib_per_min']:+.2f} MiB/min over its second half")  # fmt: skip
    print(f"signals {r['signals']}, decided {r['decided']} (records {r['decision_records']}, "
          f"drain {r['drain_s']:.0f} s), symbols used {r['symbols_used']}, largest decision "
          f"{r['decision_max_bytes']:,} B, decisions reading every table "
          f"{r['all_reads'] / max(1, r['decided']):.0%}")  # fmt: skip
    print(f"trading states {r['trading_states']}")
    print("reasons " + ", ".join(f"{k} {v}" for k, v in list(r["reasons"].items())[:10]))
    print(f"\n{'changelog':<16} {'written':>9} {'left':>8} {'keys':>7} {'p50 B':>9} {'max B':>10} "
          f"{'left MB':>8}")  # fmt: skip
    for t, s in r["tables"].items():
        print(f"{t:<16} {s['written']:>9} {s['records']:>8} {s['keys']:>7} {s['p50_bytes']:>9,} "
              f"{s['max_bytes']:>10,} {s['total_bytes'] / MIB:>8.1f}")  # fmt: skip
    print("\nnewest book per portfolio (entries; bytes of the serialised map):")
    for pid, b in sorted(r["books"].items()):
        print(f"  {pid}: {b['bytes']:,} B; wishes {b['wishes']} on {b['wish_symbols']} symbols "
              f"({b['wishes_bytes']:,} B), targets {b['targets']}, weights {b['weights']}, "
              f"prices {b['prices']}/{b['price_points']} pts ({b['prices_bytes']:,} B), samples "
              f"{b['samples']}/{b['sample_points']} pts ({b['samples_bytes']:,} B), swings "
              f"{b['swings']} ({b['swings_bytes']:,} B), replies {b['replies']} "
              f"({b['replies_bytes']:,} B)")  # fmt: skip
    p = r["pages"]
    print(f"weight history: {p['pages']} pages, {p['snapshots']} snapshots, up to "
          f"{p['max_weights_per_snapshot']} weights per snapshot")  # fmt: skip
    book_max = r["tables"]["ensemble"]["max_bytes"]
    keep_up = KEEP_UP_S * a["rate"]
    checks = {
        f"kept up: backlog <= {keep_up} ({KEEP_UP_S:g} s of signals) when offering ended": (
            r["backlog_when_offering_ended"] <= keep_up
        ),
        "every signal decided": r["decided"] == r["signals"],
        "no dead letters": not r["dead_letters"],
        f"book record < {BOOK_LIMIT_BYTES:,} B (max {book_max:,})": book_max < BOOK_LIMIT_BYTES,
        f"RSS slope, second half <= {a['max_slope']} MiB/min": (
            r["slope_second_half_mib_per_min"] <= a["max_slope"]
        ),
    }
    for d in r["dead_letters"][:5]:
        print(f"  dead letter: {d}")
    print()
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return [name for name, ok in checks.items() if not ok]


def _leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups, or `exc` itself."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for e in exc.exceptions for leaf in _leaves(e)]
    return [exc]


def census_blocks(log: str, rows: int = 20) -> str:
    """The worker's heap censuses (streams/heap_census.py): the second is the second half's."""
    lines = log.splitlines()
    found = [i for i, line in enumerate(lines) if "heap census" in line]
    return "\n".join("\n".join(lines[i : i + rows + 1]) for i in found)


def _on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    run_id = f"soak{int(time.time())}"
    t0 = time.monotonic()
    broker = EmbeddedBroker(args.engine).start()
    say(f"{args.engine} broker up on {broker.bootstrap_servers} in {time.monotonic() - t0:.1f} s; "
        f"topic prefix {run_id}.")  # fmt: skip
    os.environ.update(broker.client_env)  # the engine's client settings, for the worker too
    os.environ["HIMARI_L3__SIZING__ENSEMBLE__STRATEGY_IDLE_S"] = str(args.strategy_idle_s)
    os.environ["HIMARI_L3__SIZING__EXPIRY__TRACK_RECORD_IDLE_S"] = str(args.track_idle_s)
    os.environ["HIMARI_L3__SIZING__ENSEMBLE__HISTORY_SIZE"] = str(args.history_size)
    # A heap census at about half time and at the end: the second shows the second half's growth.
    os.environ["HIMARI_L3__WORKER__HEAP_CENSUS_EVERY_S"] = str(args.minutes * 30.0)
    os.environ["HIMARI_L3__SIZING__EXPIRY__SWEEP_EVERY_S"] = str(max(1.0, args.track_idle_s / 4))
    try:
        results = asyncio.run(Soak(args, broker.bootstrap_servers, run_id).run())
    except KeyboardInterrupt:
        print("\ninterrupted: worker and broker stopped", file=sys.stderr)
        return 130
    except Exception as exc:
        leaves = _leaves(exc)
        if not all(isinstance(e, RuntimeError | TimeoutError) for e in leaves):
            raise
        for e in leaves:
            print(f"\nSOAK FAILED: {e}", file=sys.stderr)
        return 2
    finally:
        procs.stop_all()
        broker.stop()
    failed = report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
        print(f"\nfigures written to {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
