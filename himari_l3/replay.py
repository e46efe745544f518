"""`himari-l3 replay`: re-derive every recorded answer from the topics with the pure core.

No worker runs: the input topics are folded in one process (`himari_l3.audit`), and each
recomputed sized record and decision is compared, field for field, with the recorded one.
"""

import asyncio
import sys
from pathlib import Path

import orjson
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from himari_l3.audit import report
from himari_l3.audit.recompute import audit
from himari_l3.audit.recorded import Recorded
from himari_l3.audit.selection import Selection
from himari_l3.topic_reader import read_to_end
from schemas.config import Layer3Config
from schemas.topics import INPUT_TOPICS, Topic, full_name

READ = (*INPUT_TOPICS, Topic.SIZED, Topic.DECISIONS)


async def read_recorded(cfg: Layer3Config, progress: Progress) -> dict[Topic, list[Recorded]]:
    """Every record of the input, sized and decision topics, as the broker holds them now."""
    out: dict[Topic, list[Recorded]] = {}
    for topic in READ:
        name = full_name(topic, cfg.topics.prefix)
        task = progress.add_task(f"reading {name}", total=None)

        def moved(read: int, about: int, task: TaskID = task) -> None:
            progress.update(task, completed=read, total=max(read, about))

        found = await read_to_end(cfg.kafka, name, on_read=moved)
        progress.update(task, completed=len(found), total=len(found))
        out[topic] = [Recorded(r.topic, r.partition, r.offset, r.key, r.value) for r in found]
    return out


def replay(cfg: Layer3Config, selection: Selection, json_path: Path | None) -> int:
    """Print the summary (and write the JSON report); 0 when the history is clean, else 1."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        recorded = asyncio.run(read_recorded(cfg, progress))
        progress.add_task("recomputing with the pure core", total=None)
        inputs = {t: recorded[t] for t in INPUT_TOPICS}
        result = audit(inputs, recorded[Topic.SIZED], recorded[Topic.DECISIONS], cfg, selection)
    found = report.as_json(result)
    if json_path is not None:
        data = orjson.dumps(found, option=orjson.OPT_INDENT_2)
        if str(json_path) == "-":
            sys.stdout.buffer.write(data + b"\n")
        else:
            json_path.write_bytes(data)
    if json_path is None or str(json_path) != "-":
        report.render(found, Console())
    return 0 if found["clean"] else 1
