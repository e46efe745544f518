"""The audit commands of `himari-l3`: replay (and what-if), explain, trace."""

import argparse
import os
from pathlib import Path
from typing import Any

from himari_l3.audit.selection import Selection, event_time_ns
from schemas.config import Layer3Config

COMMANDS = ("replay", "explain", "trace")


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    _replay_parser(sub, common)
    ex = sub.add_parser(
        "explain", parents=[common], help="one decision told to a person: waterfall, reasons"
    )
    ex.add_argument("decision_id")
    ex.add_argument("--plot", type=Path, default=None, help="draw the waterfall to FILE.png")
    tr = sub.add_parser(
        "trace",
        parents=[common],
        help="every message on every topic that carries a correlation id",
    )
    tr.add_argument("correlation_id")
    tr.add_argument("--json", action="store_true", help="one JSON object a line")


def _replay_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    rp = sub.add_parser(
        "replay",
        parents=[common],
        help="re-derive every recorded sized record and decision from the topics (no worker); "
        "with another --config, what it would have decided (what-if)",
    )
    when = "the trigger signal's event time, ISO 8601 (UTC unless it says) or ns; inclusive"
    rp.add_argument("--from", dest="from_time", default=None, help=f"check from {when}")
    rp.add_argument("--to", dest="to_time", default=None, help=f"check up to {when}")
    rp.add_argument("--partition", type=int, default=None, help="tactical partition to check")
    rp.add_argument("--from-offset", type=int, default=None, help="first offset (inclusive)")
    rp.add_argument("--to-offset", type=int, default=None, help="last offset (inclusive)")
    rp.add_argument("--json", type=Path, default=None, help="the full report as JSON ('-': stdout)")
    rp.add_argument(
        "--plot", type=Path, default=None, help="what-if: target positions over time, to FILE.png"
    )
    rp.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes that read the topics, then recompute, each a share of the partitions "
        "(default: one a core; 1: all in this process)",
    )


def _selection(args: argparse.Namespace) -> Selection:
    return Selection(
        None if args.from_time is None else event_time_ns(args.from_time),
        None if args.to_time is None else event_time_ns(args.to_time),
        args.partition,
        args.from_offset,
        args.to_offset,
    )


def run(args: argparse.Namespace, cfg: Layer3Config) -> int:
    """Run one of `COMMANDS`; their modules load only when asked for (matplotlib is slow)."""
    if args.command == "replay":
        from himari_l3.replay import replay

        return replay(cfg, _selection(args), args.json, args.plot, args.jobs)
    if args.command == "explain":
        from himari_l3.explain import explain

        return explain(cfg, args.decision_id, args.plot)
    from himari_l3.trace import print_trace

    return print_trace(cfg, args.correlation_id, args.json)
