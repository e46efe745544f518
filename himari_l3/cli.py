"""`himari-l3`: the one command line of the sizing stream."""

import argparse
import asyncio
import os
import sys
from pathlib import Path

from aiokafka.errors import KafkaError

from himari_l3 import audit_commands
from schemas.config_loading import load_config
from schemas.errors import Layer3Error


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, not {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="himari-l3", description=__doc__)
    p.add_argument(
        "--config", help="config YAML (default: $HIMARI_L3_CONFIG or config/layer3.yaml)"
    )
    sub = p.add_subparsers(dest="command", required=True)
    # --config is accepted after the subcommand too (`himari-l3 worker --config F`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help="config YAML")

    b = sub.add_parser(
        "broker", parents=[common], help="run an embedded broker on loopback until Ctrl-C"
    )
    b.add_argument(
        "--engine",
        choices=["kafka", "tansu"],
        default=None,
        help="default: kafka when Java is present",
    )
    b.add_argument("--port", type=int, default=9092)
    b.add_argument("--data-dir", type=Path, default=None)

    sub.add_parser(
        "worker",
        parents=[common],
        help="run the Faust worker (all agents) against $KAFKA_BOOTSTRAP_SERVERS",
    )

    pub = sub.add_parser(
        "publish",
        parents=[common],
        help="publish a JSON Lines file ('-' for stdin), keyed by the contract",
    )
    pub.add_argument("topic")
    pub.add_argument("file", type=Path)

    t = sub.add_parser(
        "tail", parents=[common], help="print a topic's records readably (decisions, dead letters)"
    )
    t.add_argument("topic", nargs="?", default="himari.l3.decisions")
    t.add_argument("--json", action="store_true", help="raw JSON, one record a line")
    t.add_argument("--from-beginning", action="store_true")
    t.add_argument("--limit", type=int, default=None)

    d = sub.add_parser(
        "demo",
        parents=[common],
        help="publish the bundled scenario and print decisions as they arrive",
    )
    d.add_argument(
        "--speed", type=_positive, default=1.0, help="event-time speed-up (2 = twice as fast)"
    )
    d.add_argument("--no-tail", action="store_true")

    r = sub.add_parser(
        "run", parents=[common], help="embedded broker + worker + demo feed, printing decisions"
    )
    r.add_argument("--engine", choices=["kafka", "tansu"], default=None)
    r.add_argument("--port", type=int, default=9092)
    r.add_argument("--seconds", type=float, default=None, help="stop by itself after this long")
    r.add_argument("--speed", type=_positive, default=1.0)

    s = sub.add_parser(
        "schemas", parents=[common], help="write the JSON Schema of every contract message"
    )
    s.add_argument("--out", type=Path, required=True)
    e = sub.add_parser("export", parents=[common], help="export a table as CSV")
    e.add_argument("what", choices=["weight-history"])
    e.add_argument("--portfolio", required=True)
    e.add_argument("--out", type=Path, required=True)
    k = sub.add_parser(
        "reset-kill-switch",
        parents=[common],
        help="publish an audited reset of a portfolio's kill switch",
    )
    k.add_argument("--portfolio", required=True)
    k.add_argument("--reason", required=True, help="why; kept on the control topic for audits")
    k.add_argument("--operator", default=None, help="who (default: the login name)")
    audit_commands.add_parsers(sub, common)
    return p


def config_file(given: str | None) -> Path | None:
    """The config file a worker watches for changes, if any."""
    from schemas.config_loading import REPO_CONFIG

    chosen = given or os.environ.get("HIMARI_L3_CONFIG")
    if chosen:
        return Path(chosen)
    return REPO_CONFIG if REPO_CONFIG.exists() else None


def _dispatch(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    prefix = cfg.topics.prefix
    if args.command == "broker":
        from himari_l3.embedded.serve import run_broker_forever

        return run_broker_forever(args.engine, args.port, args.data_dir)
    if args.command == "worker":
        from streams.worker import run_worker

        return run_worker(cfg, config_file(args.config))
    if args.command == "publish":
        from himari_l3.publish import publish_file

        sent = asyncio.run(publish_file(cfg, args.topic, args.file))
        print(f"published {sent} record(s) to {args.topic}")
        return 0
    if args.command == "tail":
        from himari_l3.tail import tail

        topic = args.topic if args.topic.startswith(prefix) else prefix + args.topic
        asyncio.run(tail(cfg, topic, args.json, args.from_beginning, args.limit))
        return 0
    if args.command == "demo":
        from himari_l3.demo.runner import run_demo

        return asyncio.run(run_demo(cfg, speed=args.speed, show=not args.no_tail))
    if args.command == "run":
        from himari_l3.stack import run_stack

        return run_stack(cfg, args.engine, args.port, args.seconds, args.speed, args.config)
    if args.command == "schemas":
        from himari_l3.schema_export import write_schemas

        for path in write_schemas(args.out):
            print(path)
        return 0
    if args.command == "export":
        from himari_l3.weight_history import export

        snaps, rows = asyncio.run(export(cfg, args.portfolio, args.out))
        print(f"wrote {snaps} weight snapshot(s) of {args.portfolio} ({rows} row(s)) to {args.out}")
        return 0
    if args.command == "reset-kill-switch":
        from himari_l3 import kill_switch_reset

        cmd = kill_switch_reset.command(args.portfolio, args.reason, args.operator)
        topic = asyncio.run(kill_switch_reset.publish(cfg, cmd))
        print(
            f"published RESET_KILL_SWITCH for {cmd.portfolio_id} by {cmd.operator} to {topic} "
            f"(correlation id {cmd.correlation_id})"
        )
        return 0
    if args.command in audit_commands.COMMANDS:
        return audit_commands.run(args, cfg)
    raise AssertionError(args.command)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return 130
    except (Layer3Error, OSError, KafkaError) as exc:
        print(f"himari-l3: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
