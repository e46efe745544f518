"""The final table: figures, ratios, targets and PASS/FAIL, per engine."""

import os
import platform
import statistics
from typing import Any

CORE_TARGET = 50_000.0
WORKER_VS_FAUST_TARGET = 0.5


def machine() -> dict[str, Any]:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), ""
            )
    except OSError:
        pass
    from sizing import portfolio_sizing

    compiled = (portfolio_sizing.__file__ or "").endswith(".so")
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "core": "compiled with mypyc" if compiled else "plain Python",
    }


def median(values: list[float]) -> float:
    return statistics.median(values)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _runs(values: list[float]) -> str:
    return "" if len(values) < 2 else "runs: " + ", ".join(f"{v:,.0f}" for v in values)


def _lat(lat: dict[str, Any] | None) -> str:
    if not lat:
        return "not measured"
    return (f"p50 {lat['p50']:.1f} / p99 {lat['p99']:.1f} / max {lat['max']:.1f} ms "
            f"({lat['n']:,} of {lat['sent']:,} signals)")  # fmt: skip


def table(r: dict[str, Any]) -> str:
    """One engine's results as a plain-text table."""
    core, m = r["core"], r["machine"]
    b, c1, c2 = median(r["worker"]), median(r["raw"]), median(r["faust"])
    rows: list[tuple[str, str, str, str]] = [
        ("(a) core: both stages + records, books past warm-up",
         f"{median(core['core']):>10,.0f} sig/s", f">= {CORE_TARGET:,.0f}/s",
         _verdict(median(core["core"]) >= CORE_TARGET)),
        ("(a) decode only (streams.decoding.decode)",
         f"{median(core['decode']):>10,.0f} sig/s", "", ""),
        ("(a) core + decode", f"{median(core['core_decode']):>10,.0f} sig/s", "", ""),
        ("(a) decode + core + JSON of both hops", f"{median(core['wire']):>10,.0f} sig/s", "", ""),
        ("(b) whole worker, signals in -> decisions out", f"{b:>10,.0f} sig/s", "", ""),
        ("(c1) raw aiokafka consume->orjson->produce", f"{c1:>10,.0f} sig/s", "", ""),
        ("(c2) minimal Faust passthrough (per event)", f"{c2:>10,.0f} sig/s", "", ""),
        ("(b)/(c1)", f"{b / c1:>10.3f}", "", ""),
        ("(b)/(c2)", f"{b / c2:>10.3f}", f">= {WORKER_VS_FAUST_TARGET}",
         _verdict(b / c2 >= WORKER_VS_FAUST_TARGET)),
    ]  # fmt: skip
    if r.get("worker_eos"):
        eos = median(r["worker_eos"])
        rows += [("(b) exactly_once (each delivery a transaction)", f"{eos:>10,.0f} sig/s", "", ""),
                 ("(b) exactly_once / at_least_once", f"{eos / b:>10.3f}", "", "")]  # fmt: skip
    width = max(len(row[0]) for row in rows)
    lines = [
        f"engine {r['engine']} | N = {r['n']:,} signals | throughput = median of {r['repeat']} "
        f"run(s) | nproc {m['nproc']} ({m['cpu']}) | core {m['core']} | "
        f"load avg before {r['load_before']}",
        f"{'figure':<{width}}  {'value':>16}  {'target':<12}  result",
    ]
    lines += [f"{a:<{width}}  {v:>16}  {t:<12}  {ok}" for a, v, t, ok in rows]
    lines.append(f"latency at {r['rate']}/s offered for {r['latency_seconds']:g} s, "
                 "signal send -> output read by a consumer:")  # fmt: skip
    lines.append(f"  (b)  worker decisions:    {_lat(r.get('latency_worker'))}")
    lines.append(f"  (c1) raw passthrough:     {_lat(r.get('latency_raw'))}")
    for name in ("worker", "worker_eos", "raw", "faust"):
        if runs := _runs(r.get(name, [])):
            lines.append(f"  {name} {runs}")
    lines.append("  " + notes(r))
    return "\n".join(lines)


def notes(r: dict[str, Any]) -> str:
    w = r["worker_meta"]
    return (f"worker: ready (state applied, probes decided) in {median(w['ready_s']):.1f} s; "
            f"dead letters {sum(w['dead_letters'])}, extra decisions {sum(w['extra_decisions'])}, "
            f"resumed before all N were produced: {any(w['overlap'])}; "
            f"(a) per signal: core {median(r['core']['core_us']):.1f} us, "
            f"decode {median(r['core']['decode_us']):.1f} us")  # fmt: skip
