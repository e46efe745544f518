"""`himari-l3 run` (= `make run`): embedded broker + worker + demo feed, printing decisions."""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from himari_l3.demo.runner import run_demo
from himari_l3.embedded.broker import EmbeddedBroker, Engine
from himari_l3.embedded.readiness import free_port
from schemas.config import Layer3Config
from schemas.errors import Layer3Error

READY_MARK = b"Worker]: Ready"


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def with_bootstrap(cfg: Layer3Config, bootstrap: str) -> Layer3Config:
    return cfg.model_copy(
        update={"kafka": cfg.kafka.model_copy(update={"bootstrap_servers": bootstrap})}
    )


def start_worker(
    broker: EmbeddedBroker, workdir: Path, config_path: str | None
) -> tuple[subprocess.Popen[bytes], Path]:
    log_path = workdir / "worker.log"
    env = {
        **broker.client_env,  # the engine's needs first, so the user's environment still wins
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "HIMARI_L3__WORKER__DATA_DIR": str(workdir / "worker"),
    }
    argv = [
        sys.executable,
        "-m",
        "himari_l3.cli",
        *(["--config", config_path] if config_path else []),
        "worker",
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, log_path


def wait_worker_ready(
    proc: subprocess.Popen[bytes], log_path: Path, timeout_s: float = 120.0
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise Layer3Error(f"the worker exited with code {proc.returncode}:\n{tail}")
        if READY_MARK in log_path.read_bytes():
            return
        time.sleep(0.2)
    raise Layer3Error(f"the worker was not ready within {timeout_s:.0f} s; see {log_path}")


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _feed(cfg: Layer3Config, speed: float, seconds: float | None) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(run_demo(cfg, speed=speed, show=True, loops=0), timeout=seconds)


def run_stack(
    cfg: Layer3Config,
    engine: Engine | None,
    port: int,
    seconds: float | None,
    speed: float,
    config_path: str | None,
) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="himari-run-"))
    if not port_is_free(port):
        chosen = free_port()
        print(f"port {port} is taken; the embedded broker uses {chosen}", flush=True)
        port = chosen
    broker = EmbeddedBroker(engine, port).start()
    try:
        print(f"broker ready: {broker.engine} at {broker.bootstrap_servers}", flush=True)
        proc, log_path = start_worker(broker, workdir, config_path)
        try:
            wait_worker_ready(proc, log_path)
            print(
                f"worker ready (logs: {log_path}); publishing the demo scenario. Ctrl-C stops.",
                flush=True,
            )
            print(
                "time(UTC)    symbol    strategy         portfolio action      -> side   target USD ...",
                flush=True,
            )
            asyncio.run(_feed(with_bootstrap(cfg, broker.bootstrap_servers), speed, seconds))
        except KeyboardInterrupt:
            print("stopping", flush=True)
        finally:
            stop_worker(proc)
    finally:
        broker.stop()
    print("stopped: worker and broker are down", flush=True)
    return 0
