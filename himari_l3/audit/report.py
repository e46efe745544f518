"""A replay's findings: for machines (`as_json`) and for people (`render`)."""

import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from himari_l3.audit.comparison import Comparison
from himari_l3.audit.recompute import Audit
from sizing.refs import InputRef, ref_dict

SHOWN = 10  # findings of each kind printed for people; the JSON report has them all


def people() -> Console:
    """The console for the summary: piped or in a file, wide enough for its tables."""
    return Console() if sys.stdout.isatty() else Console(width=160)


def as_json(result: Audit) -> dict[str, Any]:
    """Both stages' comparisons, each finding with the trigger it answers."""
    return {
        "clean": clean(result),
        "sized": _stage(result.sized, result.triggers),
        "decisions": _stage(result.decisions, result.triggers),
    }


def clean(result: Audit) -> bool:
    """Every checked answer identical, none missing, none extra, every copy equal."""
    return all(
        c.checked == c.identical and not (c.missing or c.extra or c.unequal_copies or c.after_reset)
        for c in (result.sized, result.decisions)
    )


def _stage(c: Comparison, triggers: dict[str, InputRef]) -> dict[str, Any]:
    return {
        "checked": c.checked,
        "identical": c.identical,
        "identical_pct": round(100.0 * c.identical / c.checked, 4) if c.checked else 100.0,
        "different": [
            {"decision_id": i, "trigger": ref_dict(triggers.get(i)), "fields": fields}
            for i, fields in c.different.items()
        ],
        "missing": [{"decision_id": i, "trigger": ref_dict(triggers.get(i))} for i in c.missing],
        "extra": [{"decision_id": i} for i in c.extra],
        "unequal_copies": list(c.unequal_copies),
        "after_reset": list(c.after_reset),
    }


def render(report: dict[str, Any], console: Console) -> None:
    """A summary table, then the first findings of each kind."""
    table = Table(title="replay: recorded answers against the pure core")
    for column in ("stage", "checked", "identical", "%", "different", "missing", "extra"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for stage in ("sized", "decisions"):
        s = report[stage]
        table.add_row(
            stage, f"{s['checked']:,}", f"{s['identical']:,}", f"{s['identical_pct']:.2f}",
            str(len(s["different"])), str(len(s["missing"])), str(len(s["extra"])),
        )  # fmt: skip
    console.print(table)
    for stage in ("sized", "decisions"):
        _findings(stage, report[stage], console)
    verdict = "[green]clean: every answer re-derived bit for bit" if report["clean"] else (
        "[red]NOT clean: see the findings above (--json for all of them)"
    )  # fmt: skip
    console.print(verdict)


def _findings(stage: str, s: dict[str, Any], console: Console) -> None:
    for d in s["different"][:SHOWN]:
        console.print(f"{stage} {d['decision_id']} differs in {', '.join(d['fields'])}"
                      f" (trigger {_where(d['trigger'])})")  # fmt: skip
    for m in s["missing"][:SHOWN]:
        console.print(f"{stage} {m['decision_id']} missing (trigger {_where(m['trigger'])})")
    for e in s["extra"][:SHOWN]:
        console.print(f"{stage} {e['decision_id']} extra: no valid input answers to it")
    for u in s["unequal_copies"][:SHOWN]:
        console.print(f"{stage} {u} recorded twice, not identically")
    if s["after_reset"]:
        console.print(f"{stage}: {len(s['after_reset']):,} not re-derived: their portfolio's "
                      "kill switch was reset before resets recorded the snapshot they "
                      "followed")  # fmt: skip


def _where(ref: dict[str, Any] | None) -> str:
    return "unknown" if ref is None else f"{ref['topic']}/{ref['partition']}@{ref['offset']}"
