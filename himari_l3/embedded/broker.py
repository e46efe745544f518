"""One front for the embedded brokers: start, wait until ready, pause, resume, stop."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Literal, get_args

from himari_l3.embedded.errors import BrokerError
from himari_l3.embedded.kafka_engine import SERVER_LOG, prepare_kafka
from himari_l3.embedded.readiness import free_port, log_tail, wait_until_ready
from himari_l3.embedded.tansu_engine import prepare_tansu

Engine = Literal["kafka", "tansu"]
ENGINES: tuple[Engine, ...] = get_args(Engine)
CONSOLE_LOG = "broker.log"
STOP_TIMEOUT_S = 15.0

_RUNNING: set[EmbeddedBroker] = set()


def default_engine() -> Engine:
    """Apache Kafka when `java` is on PATH, else Tansu."""
    return "kafka" if shutil.which("java") else "tansu"


def die_with_parent(argv: list[str]) -> list[str]:
    """Prefix argv so the broker is killed if this process dies without stopping it."""
    setpriv = shutil.which("setpriv")
    # PDEATHSIG fires when the forking *thread* exits, so it is only safe from the main thread.
    if setpriv is None or threading.current_thread() is not threading.main_thread():
        return argv
    return [setpriv, "--pdeathsig", "KILL", "--", *argv]


class EmbeddedBroker:
    """A broker subprocess on 127.0.0.1, in its own process group; a context manager."""

    def __init__(
        self,
        engine: Engine | None = None,
        port: int | None = None,
        data_dir: Path | str | None = None,
        *,
        ready_timeout_s: float = 90.0,
        kafka_libs: Path | None = None,
    ) -> None:
        self.engine: Engine = engine or default_engine()
        if self.engine not in ENGINES:
            raise ValueError(f"unknown broker engine {self.engine!r}; expected one of {ENGINES}")
        self.port = port or 0
        self.ready_timeout_s = ready_timeout_s
        self.paused = False
        self._kafka_libs = kafka_libs
        self._fixed_dir = Path(data_dir).resolve() if data_dir else None
        self._data_dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def client_env(self) -> dict[str, str]:
        """Config overrides this engine needs in its clients (DESIGN §7).

        Tansu never answers a fetch before fetch_max_wait_ms, so a record the worker itself
        writes to its internal topic waits the whole time before stage 2 sees it.
        """
        if self.engine == "tansu":
            return {"HIMARI_L3__KAFKA__FETCH_MAX_WAIT_MS": "10"}
        return {}

    @property
    def bootstrap_servers(self) -> str:
        """`127.0.0.1:PORT`, for clients' bootstrap.servers."""
        if not self.port:
            raise BrokerError("the broker has no port until it is started")
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The broker process id, or None when it is not running."""
        return self._proc.pid if self._proc is not None else None

    @property
    def data_dir(self) -> Path | None:
        """Directory holding the broker's config, data and logs while it runs."""
        return self._data_dir

    @property
    def log_paths(self) -> list[Path]:
        """The broker's log files: its own log (Kafka) and its stdout/stderr."""
        if self._data_dir is None:
            return []
        names = [SERVER_LOG, CONSOLE_LOG] if self.engine == "kafka" else [CONSOLE_LOG]
        return [self._data_dir / name for name in names]

    def is_running(self) -> bool:
        """Whether the broker process exists and has not exited."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> EmbeddedBroker:
        """Launch the broker and return once it answers a metadata request."""
        if self._proc is not None:
            raise BrokerError(f"{self.engine} broker already started (pid {self._proc.pid})")
        self.port = self.port or free_port()
        data_dir = self._fixed_dir or Path(tempfile.mkdtemp(prefix=f"himari-{self.engine}-"))
        data_dir.mkdir(parents=True, exist_ok=True)
        self._data_dir = data_dir
        try:
            argv = die_with_parent(self._prepare(data_dir))
            with open(data_dir / CONSOLE_LOG, "ab") as console:
                self._proc = subprocess.Popen(
                    argv,
                    cwd=data_dir,
                    stdin=subprocess.DEVNULL,
                    stdout=console,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            _RUNNING.add(self)
            wait_until_ready(
                self.bootstrap_servers,
                self.ready_timeout_s,
                process=self._proc,
                logs=self.log_paths,
            )
        except BaseException:
            self.stop()
            raise
        return self

    def _prepare(self, data_dir: Path) -> list[str]:
        if self.engine == "kafka":
            return prepare_kafka(data_dir, self.port, free_port(), self._kafka_libs)
        return prepare_tansu(self.port)

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM the process group, SIGKILL it after timeout_s; remove a temporary data dir."""
        proc, self._proc = self._proc, None
        _RUNNING.discard(self)
        try:
            if proc is not None:
                self._stop_process(proc, timeout_s)
        finally:
            if self._fixed_dir is None and self._data_dir is not None:
                shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None
            self.paused = False

    @staticmethod
    def _stop_process(proc: subprocess.Popen[bytes], timeout_s: float) -> None:
        if proc.poll() is None:
            # A stopped process would never act on SIGTERM.
            _killpg(proc.pid, signal.SIGCONT)
            _killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        # Anything the broker forked into its group goes with it.
        _killpg(proc.pid, signal.SIGKILL)

    def pause(self) -> None:
        """Freeze the broker (SIGSTOP): clients see it hang, not refuse."""
        _killpg(self._require_running(), signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        """Unfreeze a paused broker (SIGCONT)."""
        _killpg(self._require_running(), signal.SIGCONT)
        self.paused = False

    def _require_running(self) -> int:
        if self._proc is None or self._proc.poll() is not None:
            raise BrokerError(f"{self.engine} broker is not running")
        return self._proc.pid

    def tail_logs(self, lines: int = 40) -> str:
        """The last lines of each broker log, for error messages."""
        return log_tail(self.log_paths, lines)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmbeddedBroker(engine={self.engine!r}, port={self.port}, pid={self.pid})"


def _killpg(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


@atexit.register
def _stop_all() -> None:
    for broker in list(_RUNNING):
        broker.stop(timeout_s=5.0)
