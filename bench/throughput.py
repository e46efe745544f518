"""Throughput and latency of the sizing service on the embedded broker, in one invocation.

(a) the pure core in-process; (b) the whole worker (`himari-l3 worker`), signals in → decisions
out; (c1) a raw aiokafka passthrough and (c2) a minimal Faust passthrough on the same broker and
messages; p50/p99 latency at a fixed offered rate for (b) and (c1). See bench/README.md.

usage: python bench/throughput.py [--engine kafka|tansu|both] [--signals N] [--repeat K] ...
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import procs
import references
import report
import worker_run
import workload
from core_path import run_core

from himari_l3.embedded import EmbeddedBroker
from schemas.config import Layer3Config
from schemas.config_loading import load_config

# A fresh Kafka broker is a cold JVM: its CPU per worker run fell 70 % -> 44 % -> 34 % -> 31 %
# over its first runs here (JIT), penalising whatever is measured first. Tansu is native code.
WARMUP_RUNS = {"kafka": 2, "tansu": 0}


EOS_ENV = "HIMARI_L3__KAFKA__PROCESSING_GUARANTEE"


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--engine", choices=["kafka", "tansu", "both"], default="kafka")
    p.add_argument("--signals", type=int, default=20_000, help="N signals per throughput run")
    p.add_argument("--latency-seconds", type=float, default=20.0, help="0 skips latency")
    p.add_argument("--rate", type=int, default=500, help="offered signals/s for the latency runs")
    p.add_argument("--repeat", type=int, default=1, help="throughput: median of K runs")
    p.add_argument(
        "--exactly-once",
        action="store_true",
        help="also run (b) under kafka.processing_guarantee=exactly_once, interleaved",
    )
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = p.parse_args(argv)
    if args.signals < 1000 or args.repeat < 1 or args.rate < 1:
        p.error("--signals must be >= 1000, --repeat >= 1, --rate >= 1")
    return args


def say(engine: str, text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] [{engine}] {text}", flush=True)


def eos_run(boot: str, run_id: str, sigs: list[Any]) -> float:
    """(b) with each delivery a Kafka transaction: the cost of exactly_once."""
    os.environ[EOS_ENV] = "exactly_once"
    try:
        return float(asyncio.run(worker_run.run(boot, run_id, sigs, None))["rate"])
    finally:
        os.environ.pop(EOS_ENV, None)


def bench_engine(engine: str, args: argparse.Namespace, cfg: Layer3Config) -> dict[str, Any]:
    n, k = args.signals, args.repeat
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    out: dict[str, Any] = {"engine": engine, "n": n, "repeat": k, "rate": args.rate,
                           "latency_seconds": args.latency_seconds, "machine": report.machine(),
                           "load_before": load}  # fmt: skip
    cores = []
    for i in range(k):
        cores.append(run_core(n, cfg))
        say(engine, f"(a) run {i + 1}/{k}: core {cores[-1]['core']:,.0f} signals/s")
    out["core"] = {key: [c[key] for c in cores] for key in cores[0]}
    out.update(worker=[], raw=[], faust=[])
    out["worker_meta"] = {"ready_s": [], "dead_letters": [], "extra_decisions": [], "overlap": []}
    t0 = time.monotonic()
    broker = EmbeddedBroker(engine).start()
    say(engine, f"broker up on {broker.bootstrap_servers} in {time.monotonic() - t0:.1f} s")
    # The engine's client settings (Tansu: 10 ms fetch wait) hold for every measured process alike.
    previous_env = {k: os.environ.get(k) for k in broker.client_env}
    os.environ.update(broker.client_env)
    out["client_env"] = dict(broker.client_env)
    try:
        boot = broker.bootstrap_servers
        for i in range(WARMUP_RUNS[engine]):
            warm = asyncio.run(worker_run.run(boot, f"warm{i}", workload.signals(n, "w"), None))
            say(engine, f"warm-up {i + 1} (untimed): worker {warm['rate']:,.0f} signals/s")
        for i in range(k):
            run_id = f"bench{engine[0]}{i}"
            lat = (args.rate, args.latency_seconds) if i == 0 and args.latency_seconds > 0 else None
            sigs = workload.signals(n, f"sig{i}", seed=5 + i)
            w = asyncio.run(worker_run.run(boot, run_id, sigs, lat))
            out["worker"].append(w["rate"])
            for key, values in out["worker_meta"].items():
                values.append(w[key])
            out["latency_worker"] = w.get("latency", out.get("latency_worker"))
            say(engine, f"(b) run {i + 1}/{k}: worker {w['rate']:,.0f} signals/s")
            if args.exactly_once:
                out.setdefault("worker_eos", []).append(eos_run(boot, f"{run_id}x", sigs))
                say(engine, f"(b) run {i + 1}/{k} exactly_once: {out['worker_eos'][-1]:,.0f}/s")
            c = asyncio.run(references.run(boot, cfg, run_id, sigs, lat))
            out["raw"].append(c["raw"])
            out["faust"].append(c["faust"])
            out["latency_raw"] = c.get("latency", out.get("latency_raw"))
            say(
                engine,
                f"(c) run {i + 1}/{k}: raw {c['raw']:,.0f}, faust {c['faust']:,.0f} signals/s",
            )
    finally:
        procs.stop_all()
        broker.stop()
        for key, old in previous_env.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
    return out


def _on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    engines = ["kafka", "tansu"] if args.engine == "both" else [args.engine]
    cfg = load_config()
    started = time.monotonic()
    results: list[dict[str, Any]] = []
    try:
        for engine in engines:
            results.append(bench_engine(engine, args, cfg))
    except KeyboardInterrupt:
        print("\ninterrupted: children and brokers stopped", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()
    print(
        f"\n== himari-l3 bench: {len(engines)} engine(s) in {time.monotonic() - started:.0f} s =="
    )
    for r in results:
        print("\n" + report.table(r))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
        print(f"\nresults written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
