"""Resolve Apache Kafka's broker jars from Maven Central once, into a cache keyed by the pom."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from himari_l3.embedded.errors import JarResolutionError, ToolMissingError

REPO_ROOT = Path(__file__).resolve().parents[2]
POM_PATH = REPO_ROOT / "broker" / "pom.xml"
ENV_LIBS = "HIMARI_KAFKA_LIBS"
STAMP_NAME = ".resolved"
MVN_TIMEOUT_S = 900.0


def default_cache_dir() -> Path:
    """The jar directory: `$HIMARI_KAFKA_LIBS`, else `<repo>/.cache/kafka-libs`."""
    override = os.environ.get(ENV_LIBS)
    return Path(override).expanduser() if override else REPO_ROOT / ".cache" / "kafka-libs"


def pom_digest(pom: Path = POM_PATH) -> str:
    """SHA-256 of the pom, stored in the stamp so that an edited pom re-resolves."""
    return hashlib.sha256(pom.read_bytes()).hexdigest()


def require_tool(name: str, why: str) -> str:
    """Return the path of program `name` on PATH, or raise ToolMissingError."""
    found = shutil.which(name)
    if found is None:
        raise ToolMissingError(f"`{name}` is not on PATH; it is needed {why}")
    return found


def ensure_kafka_jars(cache_dir: Path | None = None) -> Path:
    """Return a directory holding the Kafka broker jars, resolving them with Maven if needed."""
    target = (cache_dir or default_cache_dir()).resolve()
    if not POM_PATH.is_file():
        raise JarResolutionError(f"broker pom not found at {POM_PATH}")
    digest = pom_digest()
    if _is_current(target, digest):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Several test workers or CLI runs may start at once: only one resolves, the rest reuse it.
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _is_current(target, digest):
            _resolve_into(target, digest)
    return target


def _is_current(target: Path, digest: str) -> bool:
    stamp = target / STAMP_NAME
    return stamp.is_file() and stamp.read_text().strip() == digest


def _resolve_into(target: Path, digest: str) -> None:
    if target.exists() and any(target.iterdir()) and not (target / STAMP_NAME).exists():
        raise JarResolutionError(
            f"{target} is not empty and was not made by ensure_kafka_jars; "
            f"remove it or point ${ENV_LIBS} elsewhere"
        )
    require_tool("java", "to run Maven and the Kafka broker (install a JDK 17)")
    mvn = require_tool("mvn", "to fetch the Kafka jars from Maven Central (install Maven)")
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        cmd = [
            mvn, "-q", "-B", "-f", str(POM_PATH), "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}", "-DincludeScope=runtime",
        ]  # fmt: skip
        try:
            done = subprocess.run(
                cmd, check=False, capture_output=True, text=True, timeout=MVN_TIMEOUT_S
            )
        except subprocess.TimeoutExpired as exc:
            raise JarResolutionError(f"mvn did not finish within {MVN_TIMEOUT_S:.0f} s") from exc
        if done.returncode != 0 or not any(staging.glob("kafka_2.13-*.jar")):
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
            raise JarResolutionError(f"mvn failed (exit {done.returncode}):\n{tail}")
        (staging / STAMP_NAME).write_text(digest + "\n")
        # Swap in whole so a reader never sees a half-filled directory.
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
