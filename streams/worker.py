"""`himari-l3 worker`: check and create topics, then run every agent in one Faust worker."""

import asyncio
import logging
import os
from pathlib import Path

import faust
from prometheus_client import start_http_server

from agents import portfolio_inputs, symbol_inputs
from schemas.config import Layer3Config
from streams import config_follower, fail_fast, heap_census
from streams.app import create_app
from streams.rewind import Rewinder
from streams.runtime import Runtime
from streams.tables import create_tables
from streams.topic_admin import ensure_topics

log = logging.getLogger(__name__)

# How long a held partition may make no progress with records waiting before it is rewound.
WATCH_EVERY_S = 15.0


def build(cfg: Layer3Config) -> tuple[faust.App, Runtime]:
    """The app with its tables and agents registered, ready for a Worker or test_context()."""
    app = create_app(cfg)
    rt = Runtime(cfg, app, create_tables(app, cfg.topics.partitions))
    symbol_inputs.register(app, rt)
    portfolio_inputs.register(app, rt)
    watchdog = Rewinder(app, cfg.kafka)
    app.timer(WATCH_EVERY_S, name="input_watchdog")(watchdog.watch)

    async def exit_when_crashed() -> None:
        await fail_fast.exit_when_crashed(app)

    app.task(exit_when_crashed)
    if cfg.worker.heap_census_every_s > 0:

        async def log_heap_census() -> None:
            heap_census.log_census()

        app.timer(cfg.worker.heap_census_every_s, name="heap_census")(log_heap_census)
    return app, rt


def follow_config(app: faust.App, rt: Runtime, start: int, path: Path | None) -> None:
    env = dict(os.environ)

    async def follow_config_topic() -> None:
        await config_follower.follow_topic(rt, env, start)

    app.task(follow_config_topic)
    if path is not None:
        watched = path

        async def follow_config_file() -> None:
            await config_follower.follow_file(rt, watched, env)

        app.task(follow_config_file)


def run_worker(cfg: Layer3Config, config_path: Path | None = None) -> int:
    counts = asyncio.run(ensure_topics(cfg))
    print(f"topics ready: {len(counts)} on {cfg.kafka.bootstrap_servers}", flush=True)
    if cfg.worker.metrics_port:
        start_http_server(cfg.worker.metrics_port, addr=cfg.worker.metrics_bind)
    app, rt = build(cfg)
    # The config topic's latest valid document is in force before the first input is sized.
    start = asyncio.run(config_follower.catch_up(rt, dict(os.environ)))
    print(f"config version {rt.version} in force", flush=True)
    follow_config(app, rt, start, config_path)
    # quiet=True keeps faust's banner off; INFO because faust's 'warning' sets the root logger to DEBUG.
    worker = faust.Worker(app, loglevel=cfg.worker.log_level, quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()
    return 0
