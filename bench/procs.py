"""Child processes (worker, passthroughs): own process group, killed with the bench."""

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from himari_l3.embedded.broker import die_with_parent

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent
_RUNNING: set["Child"] = set()


class Child:
    """A subprocess whose output goes to a log file in its own temporary directory
    (`{dir}` in an environment value names that directory)."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str]) -> None:
        self.name = name
        self.dir = Path(tempfile.mkdtemp(prefix=f"himari-bench-{name}-"))
        self.log = self.dir / "out.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                die_with_parent(argv),
                cwd=REPO,
                env={**os.environ, **{k: v.format(dir=self.dir) for k, v in env.items()}},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _RUNNING.add(self)

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGCONT + SIGTERM the group, SIGKILL after timeout_s; remove the temporary dir."""
        _RUNNING.discard(self)
        if self.proc.poll() is None:
            self.signal(signal.SIGCONT)
            self.signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.proc.wait()
        self.signal(signal.SIGKILL)
        if os.environ.get("BENCH_KEEP_LOGS"):
            print(f"  ({self.name} log kept: {self.log})")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def worker(bootstrap: str, prefix: str, app_id: str) -> Child:
    """`himari-l3 worker` with the overrides of a benchmark run (no web, no metrics port)."""
    exe = VENV_BIN / "himari-l3"
    argv = (
        [str(exe), "worker"] if exe.exists() else [sys.executable, "-m", "himari_l3.cli", "worker"]
    )
    return Child("worker", argv, worker_env(bootstrap, prefix, app_id))


def worker_env(bootstrap: str, prefix: str, app_id: str) -> dict[str, str]:
    """The config overrides of one run: fresh topics (prefix), fresh app id, no ports."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "HIMARI_L3__TOPICS__PREFIX": prefix,
        "HIMARI_L3__WORKER__APP_ID": app_id,
        "HIMARI_L3__WORKER__DATA_DIR": "{dir}/data",
        "HIMARI_L3__WORKER__METRICS_PORT": "0",
        "HIMARI_L3__WORKER__WEB_PORT": "0",
        "HIMARI_L3__WORKER__LOG_LEVEL": "INFO",
    }


def script(name: str, *args: str, env: Mapping[str, str] | None = None) -> Child:
    """One of the bench's own scripts (bench/NAME.py) in a child process."""
    return Child(name, [sys.executable, str(BENCH_DIR / f"{name}.py"), *args], env or {})


def stop_all() -> None:
    for child in list(_RUNNING):
        child.stop(timeout_s=5.0)


atexit.register(stop_all)
