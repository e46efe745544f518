"""Load the config from YAML, apply environment overrides, validate it in full."""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from schemas.config import Layer3Config
from schemas.errors import ConfigError

REPO_CONFIG = Path(__file__).resolve().parent.parent / "config" / "layer3.yaml"
ENV_PREFIX = "HIMARI_L3__"
TEXT_FIELDS = {
    "sasl_password",
    "sasl_username",
    "bootstrap_servers",
    "ssl_cafile",
    "app_id",
    "prefix",
    "data_dir",
}
# Plain names that deployment tooling commonly sets, mapped onto config paths.
ENV_ALIASES = {
    "KAFKA_BOOTSTRAP_SERVERS": ("kafka", "bootstrap_servers"),
    "KAFKA_SECURITY_PROTOCOL": ("kafka", "security_protocol"),
    "KAFKA_SASL_MECHANISM": ("kafka", "sasl_mechanism"),
    "KAFKA_SASL_USERNAME": ("kafka", "sasl_username"),
    "KAFKA_SASL_PASSWORD": ("kafka", "sasl_password"),
}


def _norm(name: str) -> str:
    return "".join(ch for ch in name.upper() if ch.isalnum())


def _env_pairs(env: Mapping[str, str]) -> list[tuple[tuple[str, ...], Any]]:
    """(config path, value): prefixed values are YAML scalars; the plain KAFKA_* names are text."""
    pairs: list[tuple[tuple[str, ...], Any]] = []
    for key, raw in env.items():
        if key.startswith(ENV_PREFIX):
            path = tuple(key[len(ENV_PREFIX) :].split("__"))
            pairs.append((path, _scalar(key, raw, path)))
    return pairs + [(path, env[name]) for name, path in ENV_ALIASES.items() if name in env]


def _scalar(key: str, raw: str, path: tuple[str, ...]) -> Any:
    # Secrets and addresses are text whatever they look like ("123456", "p@ss: word", "a #1").
    if not raw or path[-1].lower() in TEXT_FIELDS:
        return raw
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"environment variable {key} is not a valid value: {exc}") from exc


def _apply_env(document: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """`HIMARI_L3__SIZING__KELLY__KELLY_FRACTION=0.2` sets sizing.kelly.kelly_fraction.

    Each name part matches an existing key ignoring case and punctuation, so
    `..._REGIME__MULTIPLIERS__CRISIS` and `..._CASCADE__MULTIPLIERS__REDUCE_75` work too.
    """
    out = _merge(Layer3Config().model_dump(mode="json"), document)
    for path, raw in _env_pairs(env):
        node = out
        for i, part in enumerate(path):
            match = next((k for k in node if _norm(k) == _norm(part)), part.lower())
            if i == len(path) - 1:
                node[match] = raw
            else:
                node = node.setdefault(match, {})
                if not isinstance(node, dict):
                    raise ConfigError(f"environment override {'__'.join(path)} goes below a value")
    return out


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_config(document: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Layer3Config:
    """Validate a config document (with env overrides); raise ConfigError naming the field."""
    merged = _apply_env(dict(document), env or {})
    try:
        return Layer3Config.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise ConfigError(
            f"invalid config at '{where}': {first['msg']} ({exc.error_count()} error(s))"
        ) from exc


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise ConfigError(f"config {path} must be a mapping at the top level")
    return document


def load_config(
    path: str | Path | None = None, env: Mapping[str, str] | None = None
) -> Layer3Config:
    """The file given, else $HIMARI_L3_CONFIG, else config/layer3.yaml; then env overrides."""
    env = os.environ if env is None else env
    chosen = path or env.get("HIMARI_L3_CONFIG") or (REPO_CONFIG if REPO_CONFIG.exists() else None)
    document = read_yaml(Path(chosen)) if chosen else {}
    return parse_config(document, env)
