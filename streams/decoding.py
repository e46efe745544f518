"""Decode raw Kafka records at the edge: a valid model, or a rejection naming the field."""

import base64
import re
import reprlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from schemas.messages import SUPPORTED_SCHEMA_VERSIONS


class ErrorType(StrEnum):
    EMPTY = "empty_value"
    OVERSIZE = "oversize"
    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_SCHEMA_VERSION = "unknown_schema_version"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    NON_FINITE = "non_finite"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_ENUM = "unknown_enum"
    INVALID_VALUE = "invalid_value"
    KEY_MISSING = "key_missing"
    KEY_MISMATCH = "key_mismatch"
    PROCESSING_ERROR = "processing_error"
    OVER_CAPACITY = "over_capacity"
    INVALID_CONFIG = "invalid_config"


@dataclass(frozen=True, slots=True)
class Rejection:
    error_type: ErrorType
    error: str


_RANGE_ERRORS = {
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "string_too_short",
    "string_too_long",
    "too_long",
    "too_short",
}


def _classify(err: dict[str, Any]) -> ErrorType:
    kind = str(err["type"])
    if kind == "missing":
        return ErrorType.MISSING_FIELD
    if kind == "finite_number":
        return ErrorType.NON_FINITE
    if kind in _RANGE_ERRORS:
        return ErrorType.OUT_OF_RANGE
    if kind.endswith("_type") or kind in {"is_instance_of", "int_from_float"}:
        return ErrorType.WRONG_TYPE
    if kind == "value_error" and "unknown " in str(err.get("msg", "")):
        return ErrorType.UNKNOWN_ENUM
    return ErrorType.INVALID_VALUE


# repr() of a value nested 1,000 deep (orjson parses up to 1,024) exceeds Python's recursion
# limit and would crash the agent: show a few levels and items only.
_REPR = reprlib.Repr()
_REPR.maxlevel = 4
_REPR.maxstring = _REPR.maxlong = _REPR.maxother = 80


def _shown(value: Any) -> str:
    text = _REPR.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def describe(exc: ValidationError) -> Rejection:
    """One sentence a person understands, naming the first offending field."""
    err = exc.errors(include_url=False)[0]
    field = ".".join(str(p) for p in err["loc"])
    kind = _classify(dict(err))
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind is ErrorType.MISSING_FIELD:
        sentence = f"field '{field}' is missing"
    elif not field:
        sentence = msg
    else:
        sentence = f"field '{field}': {msg} (got {_shown(err.get('input'))})"
    more = exc.error_count() - 1
    return Rejection(kind, sentence + (f"; and {more} more problem(s)" if more else ""))


def decode(
    raw: bytes | None,
    key: bytes | None,
    model: type[BaseModel],
    key_field: str,
    max_bytes: int,
) -> BaseModel | Rejection:
    """Validate one record against its topic's model and key; never raises for bad input."""
    if not raw:
        return Rejection(ErrorType.EMPTY, "the message value is empty")
    if len(raw) > max_bytes:
        return Rejection(
            ErrorType.OVERSIZE, f"the message is {len(raw)} bytes; the limit is {max_bytes}"
        )
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return _json_rejection(exc)
    if not isinstance(document, dict):
        return Rejection(
            ErrorType.NOT_AN_OBJECT,
            f"the value must be a JSON object, not {type(document).__name__}",
        )
    version = document.get("schema_version", 1)
    if version not in SUPPORTED_SCHEMA_VERSIONS or isinstance(version, bool):
        return Rejection(
            ErrorType.UNKNOWN_SCHEMA_VERSION,
            f"field 'schema_version' is {_shown(version)}; this service understands {list(SUPPORTED_SCHEMA_VERSIONS)}",
        )
    try:
        message = model.model_validate(document)
    except ValidationError as exc:
        return describe(exc)
    return _check_key(message, key, key_field)


# orjson stops at the value it refused: a NaN or Infinity literal (any case, maybe signed), or a
# number beyond a double; the field is the object key just before it.
_NON_FINITE = re.compile(r"[-+]?(?:nan|inf|infinity)(?!\w)", re.IGNORECASE)
_KEY_BEFORE = re.compile(r'"((?:[^"\\]|\\.){1,128})"\s*:\s*[-+]?$')


def _json_rejection(exc: orjson.JSONDecodeError) -> Rejection:
    doc, pos = str(exc.doc), exc.pos
    overflow = "infinity when parsed as double" in exc.msg
    if not overflow and not _NON_FINITE.match(doc, pos):
        return Rejection(ErrorType.INVALID_JSON, f"the value is not valid JSON: {exc}")
    key = _KEY_BEFORE.search(doc, max(0, pos - 300), pos)
    where = f"field '{key.group(1)}'" if key else "the value"
    what = (
        "a number too large for a double (it would read as Infinity)"
        if overflow
        else "NaN or Infinity, which JSON does not allow"
    )
    return Rejection(ErrorType.NON_FINITE, f"{where} holds {what} ({exc})")


def _check_key(message: BaseModel, key: bytes | None, key_field: str) -> BaseModel | Rejection:
    expected: str = getattr(message, key_field)
    if key is None:
        return Rejection(
            ErrorType.KEY_MISSING,
            f"the record has no key; this topic is keyed by '{key_field}' ({expected!r})",
        )
    if key != expected.encode():
        return Rejection(
            ErrorType.KEY_MISMATCH,
            f"the record key {_shown(key.decode(errors='replace'))} differs from field '{key_field}' ({expected!r})",
        )
    return message


# A dead letter must fit the producer's request limit (1,000,000 bytes) whatever arrived: JSON
# escaping can grow text sixfold (a raw 0x01 byte becomes "\u0001"), and an oversize input
# can itself be near the broker's 1 MB limit.
RAW_KEPT_BYTES = 256 * 1024


def raw_text(raw: bytes | None) -> tuple[str, str]:
    """The original bytes for a dead letter: as text when UTF-8, else base64. Bytes that would
    not fit in RAW_KEPT_BYTES even as base64 keep their beginning only ("base64-truncated")."""
    if raw is None:
        return "", "utf-8"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if len(orjson.dumps(text)) <= RAW_KEPT_BYTES:
            return text, "utf-8"
    kept = raw[: RAW_KEPT_BYTES // 4 * 3]
    encoding = "base64" if len(kept) == len(raw) else "base64-truncated"
    return base64.b64encode(kept).decode("ascii"), encoding
