"""`himari-l3 explain DECISION_ID`: one decision told to a person, with `--plot` its waterfall.

Everything shown is in the recorded decision itself: the waterfall (each step's size and
multiplier), the reasons, each stage's diagnostics (`components`) and the lineage.
"""

import asyncio
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from himari_l3 import charts
from himari_l3.audit.report import people
from himari_l3.topic_reader import read_to_end
from schemas.config import Layer3Config
from schemas.enums import Reason
from schemas.topics import Topic, full_name

MEANING: dict[Reason, str] = {
    Reason.HOLD: "the signal says HOLD: no position wanted",
    Reason.ZERO_CONFIDENCE: "the signal's confidence is zero",
    Reason.NON_POSITIVE_EDGE: "Kelly found no positive edge",
    Reason.NO_REGIME: "no confirmed regime for the symbol yet (fail closed)",
    Reason.NO_CASCADE: "no on-chain cascade assessment for the symbol yet (fail closed)",
    Reason.SENTIMENT_CONTRADICTION: "sentiment runs against the signal's side",
    Reason.CONFORMAL_WIDTH: "past prediction errors are wide: the size is scaled down",
    Reason.REGIME_REDUCTION: "the confirmed regime scales the size down",
    Reason.CASCADE_EXIT: "the on-chain cascade says EXIT: zero",
    Reason.CASCADE_REDUCE_75: "the on-chain cascade says reduce by 75 %",
    Reason.CASCADE_REDUCE_50: "the on-chain cascade says reduce by 50 %",
    Reason.POSITION_BUDGET: "capped at the position budget (a share of equity)",
    Reason.NO_PORTFOLIO_SNAPSHOT: "no portfolio snapshot yet: the configured equity is used",
    Reason.STALE_PORTFOLIO_SNAPSHOT: "the portfolio snapshot is too old: zero (fail closed)",
    Reason.MISSING_PRICE: "no usable price: zero (fail closed)",
    Reason.STRATEGY_BUDGET: "the strategy's views are capped at its budget",
    Reason.ENSEMBLE_PENALTY: "further strategies on the symbol count at a discount",
    Reason.SIGNAL_INDEPENDENCE: "the portfolio's strategies are not independent: scaled down",
    Reason.CAPITAL_LIMIT: "capped by the capital-proportional limit (equity, volatility)",
    Reason.CORRELATION_BUDGET: "correlated holdings on the same side share one budget",
    Reason.PORTFOLIO_BUDGET: "capped so the book's gross stays within the portfolio budget",
    Reason.CONCENTRATION_GATE: "net exposure is concentrated: no new exposure on that side",
    Reason.POSITION_SWING: "the target swung too far in the last minutes: REDUCING",
    Reason.TRADING_STATE_REDUCING: "the portfolio is REDUCING: no increase of the position",
    Reason.KILL_SWITCH: "the kill switch is latched: no increase of the position",
    Reason.BOOK_FULL: "the portfolio's book holds its maximum of strategies: this one is left out",
    Reason.PORTFOLIO_LIMIT: "the partition holds its maximum of portfolios: zero",
}


async def find_decision(cfg: Layer3Config, decision_id: str) -> dict[str, Any] | None:
    """The first recorded copy of the decision, from the decisions topic."""
    for record in await read_to_end(cfg.kafka, full_name(Topic.DECISIONS, cfg.topics.prefix)):
        if decision_id.encode() in record.value:
            doc: dict[str, Any] = orjson.loads(record.value)
            if doc.get("decision_id") == decision_id:
                return doc
    return None


def render(d: dict[str, Any], console: Console) -> None:
    """The headline, the waterfall, the reasons, then each stage's diagnostics and the lineage."""
    console.print(
        f"[bold]decision {d['decision_id']}[/bold]: {d['strategy_id']} {d['action']} "
        f"{d['symbol']} for portfolio {d['portfolio_id']} -> {d['side']} "
        f"{d['target_position_usd']:+,.2f} USD (qty {d['target_quantity']:+.6g}), "
        f"trading state {d['trading_state']}, regime {d.get('regime') or '-'}, "
        f"cascade {d.get('recommendation') or '-'}"
    )
    console.print(waterfall_table(d["waterfall"]))
    for code in d["reasons"]:
        console.print(f"  [yellow]{code}[/yellow]: {meaning(code)}")
    tree = Tree("diagnostics by stage (components)")
    for stage, diagnostics in d["components"].items():
        _branch(tree.add(f"[bold]{stage}[/bold]"), diagnostics)
    _branch(tree.add("[bold]lineage[/bold]"), d["lineage"])
    console.print(tree)


def meaning(code: str) -> str:
    try:
        return MEANING[Reason(code)]
    except ValueError:
        return "(a reason this version does not know)"


def waterfall_table(steps: list[dict[str, Any]]) -> Table:
    table = Table(title="waterfall: each step's size (signed USD, - short)")
    for column in ("step", "size USD", "multiplier", "change USD"):
        table.add_column(column, justify="left" if column == "step" else "right")
    before = 0.0
    for step in steps:
        size, mult = step["size_usd"], step.get("multiplier")
        table.add_row(
            step["step"], f"{size:+,.2f}", "-" if mult is None else f"x{mult:.4g}",
            f"{size - before:+,.2f}",
        )  # fmt: skip
        before = size
    return table


def _branch(node: Tree, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, dict | list) and inner:
                _branch(node.add(str(key)), inner)
            else:
                node.add(f"{key}: {inner!r}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            if isinstance(inner, dict | list):
                _branch(node.add(f"[{i}]"), inner)
            else:
                node.add(repr(inner))
    else:
        node.add(repr(value))


def explain(cfg: Layer3Config, decision_id: str, plot: Path | None) -> int:
    """Print the decision (and draw its waterfall); 1 when no decision has that id."""
    found = asyncio.run(find_decision(cfg, decision_id))
    if found is None:
        print(f"no decision {decision_id!r} on {full_name(Topic.DECISIONS, cfg.topics.prefix)}")
        return 1
    render(found, people())
    if plot is not None:
        charts.plot_waterfall(found, plot)
        print(f"waterfall chart: {plot}")
    return 0
