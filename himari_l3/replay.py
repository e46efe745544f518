"""`himari-l3 replay`: re-derive every recorded answer from the topics with the pure core.

No worker runs: the input topics are folded in one process (`himari_l3.audit`), and each
recomputed sized record and decision is compared, field for field, with the recorded one. Run
with a config the decisions were not recorded under, it is a what-if instead
(`himari_l3.audit.whatif`): what that config would have decided, per symbol and strategy.
"""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from himari_l3 import charts
from himari_l3.audit import report, whatif_report
from himari_l3.audit.digested import DigestRecorded, kept_decision, kept_sized
from himari_l3.audit.errors import WholeValuesNeededError
from himari_l3.audit.history import answer_id, signal_id
from himari_l3.audit.recompute import audit
from himari_l3.audit.recorded import Recorded
from himari_l3.audit.selection import Selection
from himari_l3.audit.whatif import what_if
from himari_l3.bulk_read import last_values, read_topics
from schemas.config import Layer3Config
from schemas.topics import INPUT_TOPICS, Topic, full_name

READ = (*INPUT_TOPICS, Topic.SIZED, Topic.DECISIONS)
_LATEST = 4  # decisions per partition that tell an audit from a what-if before the read
Render = Callable[[dict[str, Any], Console], None]
COLUMNS = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


def read_recorded(
    cfg: Layer3Config, progress: Progress, readers: int = 1, digests: bool = False
) -> dict[Topic, list[Recorded]]:
    """Every record of the input, sized and decision topics, as the broker holds them now, read
    by up to `readers` processes; with `digests`, answers as a digest and a tail where they can
    be (`himari_l3.audit.digested`)."""
    names = {full_name(topic, cfg.topics.prefix): topic for topic in READ}
    task = progress.add_task(f"reading {len(names)} topics", total=None)

    def moved(read: int, about: int) -> None:
        progress.update(task, completed=read, total=about)

    ids = {name: signal_id if topic is Topic.TACTICAL else answer_id for name, topic in names.items()
           if topic in (Topic.TACTICAL, Topic.SIZED, Topic.DECISIONS)}  # fmt: skip
    kept = {Topic.SIZED: kept_sized, Topic.DECISIONS: kept_decision} if digests else {}
    keep = {name: kept[topic] for name, topic in names.items() if topic in kept}
    found = read_topics(cfg.kafka, list(names), moved, readers=readers, ids=ids, digests=keep)
    return {topic: found[name] for name, topic in names.items()}


def replay(
    cfg: Layer3Config,
    selection: Selection,
    json_path: Path | None,
    plot: Path | None,
    jobs: int = 1,
) -> int:
    """Audit the history, or, when `cfg` is not the config the decisions were recorded under,
    report what it would have decided instead. 0 when clean or a what-if, else 1."""
    reason: str | None = None
    # A clean history's answers are only compared: their digests are enough. A what-if reads
    # them whole, and the latest decisions tell which it is before anything is read.
    digests = _audited(cfg)
    with Progress(*COLUMNS, console=Console(stderr=True), transient=True) as progress:
        try:
            found, render = _recomputed(read_recorded(cfg, progress, jobs, digests), cfg,
                                        selection, plot, jobs, progress)  # fmt: skip
        except WholeValuesNeededError as why:
            reason = str(why)
        if reason is not None:  # out of the handler, so the first read's records are freed
            progress.console.print(f"{reason}: reading the answers again, whole", soft_wrap=True)
            recorded = read_recorded(cfg, progress, jobs)
            found, render = _recomputed(recorded, cfg, selection, plot, jobs, progress)
    _write(found, json_path)
    if json_path is None or str(json_path) != "-":
        render(found, report.people())
        if plot is not None and found.get("mode") == "what-if":
            print(f"target positions, recorded against what-if: {plot}")
    return 0 if found.get("mode") == "what-if" or found["clean"] else 1


def _audited(cfg: Layer3Config) -> bool:
    """Whether the latest decisions (if any) say they were made under `cfg`: an audit, not a
    what-if. A guess made before the read; `_recomputed` tells for sure after it."""
    latest = last_values(cfg.kafka, full_name(Topic.DECISIONS, cfg.topics.prefix), _LATEST)
    return not latest or any(_under(cfg) in value for value in latest)


def _under(cfg: Layer3Config) -> bytes:
    return f'"config_version":"{cfg.config_version}"'.encode()


def _recomputed(
    recorded: dict[Topic, list[Recorded]],
    cfg: Layer3Config,
    selection: Selection,
    plot: Path | None,
    jobs: int,
    progress: Progress,
) -> tuple[dict[str, Any], Render]:
    """The audit's report, or the what-if's when no decision was recorded under `cfg`."""
    inputs = {t: recorded[t] for t in INPUT_TOPICS}
    sized, decisions = recorded[Topic.SIZED], recorded[Topic.DECISIONS]
    mine = _under(cfg)
    if decisions and not any(mine in r.kept for r in decisions):
        if any(isinstance(r, DigestRecorded) for r in decisions):
            raise WholeValuesNeededError("a what-if reads the recorded answers whole")
        progress.add_task("what-if: recomputing with the pure core", total=None)
        w = what_if(inputs, sized, decisions, cfg, selection)
        if plot is not None:
            charts.plot_targets(w.pairs, plot)
        return whatif_report.as_json(w), whatif_report.render
    task = progress.add_task(f"recomputing with the pure core ({jobs} jobs)", total=None)

    def folded(done: int, of: int) -> None:
        progress.update(task, completed=done, total=of)

    result = audit(inputs, sized, decisions, cfg, selection, jobs, folded)
    return report.as_json(result), report.render


def _write(found: dict[str, Any], json_path: Path | None) -> None:
    if json_path is None:
        return
    data = orjson.dumps(found, option=orjson.OPT_INDENT_2)
    if str(json_path) == "-":
        sys.stdout.buffer.write(data + b"\n")
    else:
        json_path.write_bytes(data)
