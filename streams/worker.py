"""`himari-l3 worker`: check and create topics, then run every agent in one Faust worker."""

import asyncio
import logging

import faust
from prometheus_client import start_http_server

from agents import portfolio_inputs, symbol_inputs
from schemas.config import Layer3Config
from streams.app import create_app
from streams.runtime import Runtime
from streams.tables import create_tables
from streams.topic_admin import ensure_topics

log = logging.getLogger(__name__)


def build(cfg: Layer3Config) -> tuple[faust.App, Runtime]:
    """The app with its tables and agents registered, ready for a Worker or test_context()."""
    app = create_app(cfg)
    rt = Runtime(cfg, app, create_tables(app, cfg.topics.partitions))
    symbol_inputs.register(app, rt)
    portfolio_inputs.register(app, rt)
    return app, rt


def run_worker(cfg: Layer3Config) -> int:
    counts = asyncio.run(ensure_topics(cfg))
    print(
        f"topics ready: {len(counts)} contract topics on {cfg.kafka.bootstrap_servers}", flush=True
    )
    if cfg.worker.metrics_port:
        start_http_server(cfg.worker.metrics_port, addr=cfg.worker.metrics_bind)
    app, _ = build(cfg)
    # quiet=True keeps faust's banner off; loglevel INFO (faust's 'warning' turns the root logger to DEBUG).
    worker = faust.Worker(app, loglevel=cfg.worker.log_level, quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()
    return 0
