"""Agent on the per-portfolio inputs: keep `portfolio[portfolio_id]` (snapshots, kill-switch
resets) and turn stage-1 sizes into decisions (stage 2) against `ensemble[portfolio_id]`."""

import logging
import time
from typing import Any

import faust
import orjson

from agents import answers
from agents.answers import Fence
from agents.batching import consume, dead_letter_on_error, decode_input, reject
from schemas.messages import KillSwitchReset, PortfolioSnapshot
from schemas.topics import Topic
from sizing import portfolio_book, portfolio_capacity, portfolio_sizing, portfolio_state, records
from sizing.portfolio_book import PortfolioBook
from sizing.refs import InputRef, applied
from sizing.replies import Replies
from streams import metrics
from streams.decoding import ErrorType, Rejection
from streams.outbox import Outbox
from streams.runtime import Runtime
from streams.tables import fenced

log = logging.getLogger(__name__)


def on_snapshot(snap: PortfolioSnapshot, ref: InputRef, rt: Runtime, out: Outbox) -> None:
    table = rt.tables.portfolio
    prev = table.data.get(snap.portfolio_id)
    if not fenced(prev, ref):
        state = portfolio_state.from_snapshot(snap, prev, ref, rt.sizing.kill_switch)
        out.put(table, snap.portfolio_id, state, ref.partition)


def over_capacity(snap: PortfolioSnapshot, ref: InputRef, rt: Runtime) -> Rejection | None:
    """Why a snapshot of a further portfolio is refused, when its partition is full."""
    cap = rt.sizing.max_portfolios_per_partition
    if portfolio_capacity.has_room(rt.tables.portfolio.data, snap.portfolio_id, ref, cap):
        return None
    return Rejection(
        ErrorType.OVER_CAPACITY,
        f"portfolio_id {snap.portfolio_id!r}: partition {ref.partition} of this topic holds "
        f"{cap} portfolios already (sizing.max_portfolios_per_partition)",
    )


def on_reset(cmd: KillSwitchReset, ref: InputRef, rt: Runtime, out: Outbox) -> None:
    table = rt.tables.portfolio
    prev = table.data.get(cmd.portfolio_id)
    if prev is None:
        log.warning(
            "kill-switch reset for %s before any snapshot: nothing to reset", cmd.portfolio_id
        )
        metrics.KILL_SWITCH_RESETS.labels("no_snapshot").inc()
        return
    if not applied(prev.control_source, ref):
        log.warning("kill switch of %s reset by %s: %s", cmd.portfolio_id, cmd.operator, cmd.reason)
        metrics.KILL_SWITCH_RESETS.labels("applied").inc()
        out.put(table, cmd.portfolio_id, portfolio_state.apply_reset(prev, cmd, ref), ref.partition)


def on_sized(sized: dict[str, Any], ref: InputRef, rt: Runtime, out: Outbox) -> None:
    """Stage 2, fenced by trigger: a sized record can come twice (stage 1 answers again)."""
    pid, table = sized["portfolio_id"], rt.tables.ensemble
    if not portfolio_capacity.has_room(
        table.data, pid, ref, rt.sizing.max_portfolios_per_partition
    ):
        on_refused(sized, ref, rt, out)
        return
    book = table.data.get(pid) or PortfolioBook()
    to, trigger, reply_id = _answer_to(sized, rt)
    fence = answers.answer_again(out, book.replies, to, trigger, reply_id)
    if fence is not Fence.FRESH:
        if fence is Fence.RESENT:
            out.put(table, pid, book, ref.partition)
        return
    portfolio = rt.tables.portfolio.data.get(pid)
    result = portfolio_sizing.size(records.stage1_input(sized), portfolio, book, rt.sizing, ref)
    decision = records.decision_record(sized, result, portfolio, book, rt.version, time.time_ns())
    snap = portfolio_book.weight_snapshot(book.snapshots, result.update)
    book.apply(result.update)
    answers.answer(out, book.replies, to, trigger, reply_id, orjson.dumps(decision))
    out.put(table, pid, book, ref.partition)
    pages = rt.tables.weight_history
    key = portfolio_book.page_key(pid, snap.seq, rt.sizing.ensemble.history_size)
    out.put(pages, key, portfolio_book.add_to_page(pages.data.get(key), snap), ref.partition)
    metrics.record_decision(decision)
    metrics.LATENCY.observe(max(0.0, (decision["processed_at_ns"] - sized["timestamp_ns"]) / 1e9))


def on_refused(sized: dict[str, Any], ref: InputRef, rt: Runtime, out: Outbox) -> None:
    """A portfolio its partition has no room for: decided flat, the answer kept per partition."""
    table, key = rt.tables.refused_replies, str(ref.partition)
    replies = table.data.get(key) or Replies()
    to, trigger, reply_id = _answer_to(sized, rt)
    fence = answers.answer_again(out, replies, to, trigger, reply_id)
    if fence is Fence.FRESH:
        portfolio = rt.tables.portfolio.data.get(sized["portfolio_id"])
        result = portfolio_sizing.refuse(records.stage1_input(sized), portfolio, rt.sizing, ref)
        decision = records.decision_record(
            sized, result, portfolio, None, rt.version, time.time_ns()
        )
        answers.answer(out, replies, to, trigger, reply_id, orjson.dumps(decision))
        metrics.record_decision(decision)
    if fence is not Fence.DELIVERED:
        out.put(table, key, replies, ref.partition)


def _answer_to(
    sized: dict[str, Any], rt: Runtime
) -> tuple[tuple[str, bytes], tuple[int, int], str]:
    """Where a decision goes, the trigger it answers, and its id."""
    to = (rt.names[Topic.DECISIONS], sized["symbol"].encode())
    trigger = (sized["trigger"]["partition"], sized["trigger"]["offset"])
    return to, trigger, sized["decision_id"]


def _on_sized_bytes(message: Any, rt: Runtime, out: Outbox) -> None:
    ref = InputRef(message.topic, message.partition, message.offset)
    try:
        sized = orjson.loads(message.value)
    except orjson.JSONDecodeError as exc:
        why = Rejection(ErrorType.INVALID_JSON, f"sized record is not JSON: {exc}")
        reject(message, ref, rt, out, why)
        return
    with dead_letter_on_error(message, ref, rt, out):
        on_sized(sized, ref, rt, out)


def handle(message: Any, rt: Runtime, out: Outbox) -> None:
    if rt.topics[message.topic] is Topic.SIZED:
        _on_sized_bytes(message, rt, out)
        return
    decoded = decode_input(message, rt, out)
    if decoded is not None:
        metrics.INPUTS.labels(message.topic).inc()
        msg, ref = decoded
        with dead_letter_on_error(message, ref, rt, out):
            if isinstance(msg, KillSwitchReset):
                on_reset(msg, ref, rt, out)
            else:
                assert isinstance(msg, PortfolioSnapshot)
                why = over_capacity(msg, ref, rt)
                if why is None:
                    on_snapshot(msg, ref, rt, out)
                else:
                    reject(message, ref, rt, out, why)


def register(app: faust.App, rt: Runtime) -> Any:
    topic = app.topic(
        rt.names[Topic.PORTFOLIO],
        rt.names[Topic.CONTROL],
        rt.names[Topic.SIZED],
        key_serializer="raw",
        value_serializer="raw",
    )

    @app.agent(topic, name="portfolio_inputs")
    async def portfolio_inputs(stream: Any) -> None:
        await consume(stream, rt, handle)

    return portfolio_inputs
