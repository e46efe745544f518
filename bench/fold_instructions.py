"""Instructions a signal of the replay's fold, counted by callgrind: unlike a timing, the count
does not change with the host's speed (2-3x between days here), so it can tell a 3 % change
apart. The fold of an in-memory history is run once and three times, each under callgrind;
the difference, divided by two folds' signals, is the figure. String hashing is fixed, so runs
agree within a few dozen instructions a signal (469,234-469,250 in session 16; 438,352 after
session 17's joined views). Needs valgrind; takes about 3 minutes.

    python bench/fold_instructions.py [--signals 2000]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from recorded_history import audited, in_memory

from schemas.config import Layer3Config

_COLLECTED = re.compile(r"Collected : (\d+)")


def fold(signals: int, folds: int) -> None:
    """Record a history of `signals` in memory, then fold it `folds` times, as one process."""
    cfg = Layer3Config()
    history = in_memory(signals, cfg)
    for _ in range(folds):
        audited(history, cfg)


def counted(signals: int, folds: int) -> int:
    """Instructions of this script run under callgrind with `folds` folds."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", sys.executable,
             __file__, "--signals", str(signals), "--folds", str(folds)],
            capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"},
        )  # fmt: skip
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--signals", type=int, default=2_000)
    p.add_argument("--folds", type=int, help="fold in this process, not under callgrind")
    args = p.parse_args()
    if args.folds is not None:
        fold(args.signals, args.folds)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on PATH")
    once, thrice = counted(args.signals, 1), counted(args.signals, 3)
    per_signal = (thrice - once) / (2 * args.signals)
    print(f"the fold: {per_signal:,.0f} instructions a signal ({args.signals:,} signals, "
          f"1 fold {once:,} and 3 folds {thrice:,} instructions in all)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
