"""Agent on the per-portfolio inputs: keep `portfolio[portfolio_id]` and turn stage-1 sizes
into decisions (stage 2)."""

import time
from typing import Any

import faust
import orjson

from agents.batching import consume, dead_letter_on_error, decode_input, reject
from schemas.messages import PortfolioSnapshot
from schemas.topics import Topic
from sizing import portfolio_sizing, records
from sizing.refs import InputRef
from streams import metrics
from streams.decoding import ErrorType, Rejection
from streams.outbox import Outbox
from streams.runtime import Runtime
from streams.tables import fenced


def on_snapshot(snap: PortfolioSnapshot, ref: InputRef, rt: Runtime, out: Outbox) -> None:
    table = rt.tables.portfolio
    if not fenced(table.data.get(snap.portfolio_id), ref):
        out.put(table, snap.portfolio_id, portfolio_sizing.from_snapshot(snap, ref), ref.partition)


def on_sized(sized: dict[str, Any], ref: InputRef, rt: Runtime, out: Outbox) -> None:
    portfolio = rt.tables.portfolio.data.get(sized["portfolio_id"])
    result = portfolio_sizing.size(records.stage1_input(sized), portfolio, rt.sizing)
    decision = records.decision_record(sized, result, portfolio, rt.version, time.time_ns())
    out.send(rt.names[Topic.DECISIONS], sized["symbol"].encode(), decision)
    metrics.record_decision(decision)
    metrics.LATENCY.observe(max(0.0, (decision["processed_at_ns"] - sized["timestamp_ns"]) / 1e9))


def handle(message: Any, rt: Runtime, out: Outbox) -> None:
    if rt.topics[message.topic] is Topic.SIZED:
        ref = InputRef(message.topic, message.partition, message.offset)
        try:
            sized = orjson.loads(message.value)
        except orjson.JSONDecodeError as exc:
            reject(
                message,
                ref,
                rt,
                out,
                Rejection(ErrorType.INVALID_JSON, f"sized record is not JSON: {exc}"),
            )
            return
        with dead_letter_on_error(message, ref, rt, out):
            on_sized(sized, ref, rt, out)
        return
    decoded = decode_input(message, rt, out)
    if decoded is not None:
        metrics.INPUTS.labels(message.topic).inc()
        snap, ref = decoded
        assert isinstance(snap, PortfolioSnapshot)
        with dead_letter_on_error(message, ref, rt, out):
            on_snapshot(snap, ref, rt, out)


def register(app: faust.App, rt: Runtime) -> Any:
    topic = app.topic(
        rt.names[Topic.PORTFOLIO],
        rt.names[Topic.SIZED],
        key_serializer="raw",
        value_serializer="raw",
    )

    @app.agent(topic, name="portfolio_inputs")
    async def portfolio_inputs(stream: Any) -> None:
        await consume(stream, rt, handle)

    return portfolio_inputs
