"""Hostile and valid input messages for the bad-input fuzz test, on every input topic.

Hypothesis draws the material (valid documents, wrong values, bad keys), derandomized, so every
run builds the same messages; a seeded Random combines it. Each message goes through the
service's own decoder here first, so the test knows which are bad and the exact reason to expect.
"""

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from schemas.enums import Action, Regime, Trend
from schemas.messages import (
    KillSwitchReset,
    OnChainSignal,
    PortfolioSnapshot,
    RegimeObservation,
    SentimentObservation,
    TacticalSignal,
    TradeOutcome,
)
from schemas.topics import CONTRACT, INPUT_TOPICS, Topic
from streams.decoding import Rejection, decode

T0 = 1_763_700_000_000_000_000
SEED = 20_251_121
SYMBOLS = ("BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD")
PORTFOLIOS = ("default", "fund-b")
STRATEGIES = ("momentum_v2", "carry_v1", "breakout_v3")
ENUM_FIELDS = ("action", "regime", "trend", "sentiment_trend", "command")
# Every name an enum field accepts (case-insensitively, stripped): unknown ones must avoid them.
ENUM_NAMES = frozenset([*Action, *Regime, *Trend, "CRISIS_FLIGHT", "RESET_KILL_SWITCH"])
# orjson stops at 1,024 levels; the boundary just under it is where a repr() recursion can bite.
ORJSON_MAX_DEPTH = 1024
VALID_STATE_INPUTS = 700
VALID_SIGNALS = 1_200
# Bad messages per kind, 10,800 in all (and giants(): four more, near the broker's 1 MB).
QUOTAS = {
    "broken_json": 1_200,
    "not_an_object": 500,
    "wrong_type": 1_500,
    "non_finite": 1_000,
    "huge_number": 700,
    "out_of_range": 900,
    "bad_string": 800,
    "deep_nesting": 600,
    "unknown_enum": 800,
    "missing_field": 800,
    "wrong_key": 1_000,
    "invalid_utf8": 500,
    "schema_version": 400,
    "oversize": 40,
    "empty": 60,
}

T = TypeVar("T")
Path = tuple[str, ...]
Draft = tuple[bytes | None, bytes | None, Path | None]  # key, value, the field made bad


@dataclass(frozen=True, slots=True)
class Case:
    """One message to publish, and what the decoder said about it here (None: valid)."""

    kind: str
    topic: Topic
    key: bytes | None
    raw: bytes | None
    field: str | None = None  # the contract field made bad, which the reason must name
    rejection: Rejection | None = None
    correlation_id: str | None = None


def drawn(strategy: st.SearchStrategy[T], count: int) -> list[T]:
    """Up to `count` examples of `strategy`, the same ones on every run."""
    found: list[T] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(example: T) -> None:
        found.append(example)

    draw()
    return found


# --- valid documents -----------------------------------------------------------------------


def _finite(lo: float, hi: float, **kw: bool) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, **kw)


def _spelled(names: Sequence[str]) -> st.SearchStrategy[str]:
    """A valid enum name as producers write it: any case, maybe padded (the parser strips)."""
    return st.builds(
        lambda name, case, pad: f"{pad}{case(name)}{pad}",
        st.sampled_from(names),
        st.sampled_from((str.upper, str.lower, str.title)),
        st.sampled_from(("", " ", "\t")),
    )


UNIT = _finite(0.0, 1.0)
FINITE = _finite(-1e15, 1e15)
POSITIVE = _finite(0.0, 1e15, exclude_min=True)
TIME = st.integers(T0, T0 + 10**13)
NAME = st.text(
    st.characters(exclude_characters="|", exclude_categories=("Cs",)), min_size=1, max_size=128
)
# Mostly the known symbols, so that state inputs and signals meet in the same table entries.
SYMBOL = st.one_of(st.sampled_from(SYMBOLS), st.sampled_from(SYMBOLS), NAME)
PORTFOLIO = st.one_of(st.sampled_from(PORTFOLIOS), NAME)
REGIMES = [*Regime, "CRISIS_FLIGHT"]
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | _finite(-1e300, 1e300)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def _doc(
    model: type[BaseModel], required: dict[str, Any], optional: dict[str, Any] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """A valid document: the fields, maybe some optional ones, maybe unknown keys (ignored)."""
    extras = st.dictionaries(
        st.text(max_size=12).filter(lambda k: k not in model.model_fields), JSON, max_size=2
    )
    fields = st.fixed_dictionaries({"timestamp_ns": TIME, **required}, optional=optional or {})
    return st.builds(lambda f, e: {**e, **f}, fields, extras)


def _tactical() -> st.SearchStrategy[dict[str, Any]]:
    plain = _doc(
        TacticalSignal,
        {
            "strategy_id": st.one_of(st.sampled_from(STRATEGIES), NAME),
            "symbol": SYMBOL,
            "action": _spelled(list(Action)),
            "confidence": UNIT,
            "risk_score": UNIT,
            "price": _finite(1e-9, 1e15),
        },
        {
            "portfolio_id": PORTFOLIO,
            "regime": st.none() | _spelled(REGIMES),
            "expected_return": _finite(-10.0, 10.0),
            "predicted_volatility": _finite(1e-6, 10.0),
            "signal_strength": FINITE,
            "schema_version": st.just(1),
        },
    )
    sentiment = st.just({}) | st.fixed_dictionaries(
        {"sentiment_trend": _spelled(list(Trend)), "sentiment_strength": UNIT}
    )
    return st.builds(lambda d, s: {**d, **s}, plain, sentiment)


def _onchain() -> st.SearchStrategy[dict[str, Any]]:
    indicators = _doc(
        OnChainSignal,
        {
            "symbol": SYMBOL,
            "funding_rate": FINITE,
            "oi_change_pct": _finite(-1.0, 1e6),
            "volume_ratio": _finite(0.0, 1e6),
            "onchain_whale_pressure": UNIT,
            "exchange_netflow_zscore": FINITE,
        },
        {"liquidation_volume_24h": _finite(0.0, 1e15)},
    )
    names = (
        "coherence",
        "entropy",
        "energy_density",
        "schwarzschild_radius",
        "hawking_temperature",
    )
    metrics = st.fixed_dictionaries(dict.fromkeys(names, UNIT))
    antigravity = _doc(OnChainSignal, {"symbol": SYMBOL, "antigravity": metrics})
    return indicators | antigravity


def _portfolio() -> st.SearchStrategy[dict[str, Any]]:
    position = st.fixed_dictionaries({"quantity": FINITE, "market_value_usd": FINITE})
    return _doc(
        PortfolioSnapshot,
        {
            "portfolio_id": PORTFOLIO,
            "equity_usd": POSITIVE,
            "realized_pnl_today_usd": FINITE,
        },
        {
            "positions": st.dictionaries(SYMBOL, position, max_size=4),
            "peak_equity_usd": POSITIVE,
        },
    )


def _others() -> dict[Topic, st.SearchStrategy[dict[str, Any]]]:
    return {
        Topic.REGIME: _doc(RegimeObservation, {"symbol": SYMBOL, "regime": _spelled(REGIMES)}),
        Topic.SENTIMENT: _doc(
            SentimentObservation,
            {"symbol": SYMBOL, "trend": _spelled(list(Trend)), "strength": UNIT},
        ),
        Topic.OUTCOMES: _doc(
            TradeOutcome,
            {"strategy_id": NAME, "symbol": SYMBOL, "realized_return": _finite(-10.0, 10.0)},
            {"predicted_return": _finite(-10.0, 10.0), "regime": _spelled(REGIMES)},
        ),
        Topic.CONTROL: _doc(
            KillSwitchReset,
            {
                "portfolio_id": PORTFOLIO,
                "command": st.just("RESET_KILL_SWITCH"),
                "operator": NAME,
                "reason": st.text(min_size=1, max_size=1000),
            },
        ),
    }


def valid_documents() -> dict[Topic, st.SearchStrategy[dict[str, Any]]]:
    """Per input topic, documents the contract accepts (DESIGN §3)."""
    return {
        Topic.TACTICAL: _tactical(),
        Topic.ONCHAIN: _onchain(),
        Topic.PORTFOLIO: _portfolio(),
        **_others(),
    }


# --- hostile material ----------------------------------------------------------------------


def _literal(number: float) -> bytes:
    return str(number).encode() if isinstance(number, int) else orjson.dumps(number)


def _not_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _repeated(unit: str, n: int) -> str:
    return (unit * n)[:n]


NON_FINITE = st.one_of(
    st.sampled_from([b"NaN", b"-NaN", b"Infinity", b"-Infinity", b"+Infinity", b"nan", b"inf"]),
    st.builds(
        lambda m, e, sign: f"{sign}{m}e{e}".encode(),
        st.integers(1, 9),
        st.integers(309, 100_000),
        st.sampled_from(("", "-")),
    ),
    st.integers(310, 5_000).map(lambda digits: b"9" * digits),  # 10**400: beyond any double
)
HUGE = st.one_of(
    _finite(1e15, 1.7e308, exclude_min=True),
    _finite(-1.7e308, -1e15, exclude_max=True),
    st.integers(2**63, 10**300),
    st.integers(-(10**300), -(2**63)),
).map(_literal)
NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**63), 2**64 - 1)
).map(_literal)
BAD_STRINGS = st.one_of(
    st.builds(_repeated, st.text(min_size=1, max_size=5), st.integers(129, 2_000)),
    st.builds(_repeated, st.text(min_size=1, max_size=5), st.integers(2_000, 60_000)),
    st.just(""),
    st.builds(lambda a, b: f"{a}|{b}", st.text(max_size=8), st.text(max_size=8)),
)
UNKNOWN_ENUMS = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda n, s: n + s, st.sampled_from(sorted(ENUM_NAMES)), st.text(min_size=1, max_size=3)
    ),
    st.sampled_from(["BULL_RUN", "YOLO", "STRONG BUY", "buy!", "CRISIS-FLIGHT", "reset"]),
).filter(lambda s: s.strip().upper() not in ENUM_NAMES)
KEYS = st.one_of(
    st.none(),
    st.binary(max_size=64),
    st.text(max_size=64).map(str.encode),
    st.builds(
        lambda name, f: f(name).encode(),
        st.sampled_from([*SYMBOLS, *PORTFOLIOS]),
        st.sampled_from((str.lower, lambda s: f" {s}", lambda s: s + "\x00", lambda s: s[:-1])),
    ),
    # Up to 10 KB: a key of ~500 KB still kills the worker, as its dead letter carries it twice
    # and exceeds the producer's 1 MB request limit (streams/outbox.py; reported, not fixed here).
    st.integers(1_000, 10_000).map(lambda n: b"k" * n),
)
NOT_UTF8 = st.one_of(
    st.sampled_from(
        [b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xe2\x82"]
    ),
    st.binary(min_size=1, max_size=6).filter(_not_utf8),
)
DEPTHS = st.one_of(
    st.integers(2, 100),
    st.integers(ORJSON_MAX_DEPTH - 40, ORJSON_MAX_DEPTH + 8),
    st.integers(ORJSON_MAX_DEPTH + 8, 10_000),
)
GARBAGE = st.one_of(
    st.binary(min_size=1, max_size=300), st.text(min_size=1, max_size=200).map(str.encode)
)


@dataclass(frozen=True, slots=True)
class Pools:
    """What the cases are made of, drawn once by hypothesis."""

    valid: dict[Topic, list[dict[str, Any]]]
    json_values: list[Any]
    non_finite: list[bytes]
    huge: list[bytes]
    numbers: list[bytes]
    strings: list[str]
    enums: list[str]
    keys: list[bytes | None]
    not_utf8: list[bytes]
    depths: list[int]
    garbage: list[bytes]


def draw_pools(per_topic: int = 250) -> Pools:
    """Draw every pool; a few seconds."""
    return Pools(
        valid={t: drawn(s, per_topic) for t, s in valid_documents().items()},
        json_values=drawn(JSON, 400),
        non_finite=drawn(NON_FINITE, 200),
        huge=drawn(HUGE, 200),
        numbers=drawn(NUMBERS, 300),
        strings=drawn(BAD_STRINGS, 200),
        enums=drawn(UNKNOWN_ENUMS, 200),
        keys=drawn(KEYS, 200),
        not_utf8=drawn(NOT_UTF8, 60),
        depths=[*drawn(DEPTHS, 150), 10_000],
        garbage=drawn(GARBAGE, 200),
    )


# --- documents as data ---------------------------------------------------------------------

SENTINEL = "@@hostile@@"


def paths(doc: dict[str, Any], prefix: Path = ()) -> list[Path]:
    """Every field of a document, nested objects and their fields included."""
    out: list[Path] = []
    for name, v in doc.items():
        out.append((*prefix, name))
        if isinstance(v, dict):
            out.extend(paths(v, (*prefix, name)))
    return out


def leaves(doc: dict[str, Any], kind: type | tuple[type, ...]) -> list[Path]:
    """The fields holding a value of `kind` (bools are not numbers here)."""
    return [
        p for p in paths(doc) if isinstance(at(doc, p), kind) and not isinstance(at(doc, p), bool)
    ]


def at(doc: dict[str, Any], path: Path) -> Any:
    for name in path:
        doc = doc[name]
    return doc


def replaced(doc: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    head, *rest = path
    return {**doc, head: replaced(doc[head], tuple(rest), value) if rest else value}


def removed(doc: dict[str, Any], path: Path) -> dict[str, Any]:
    head, *rest = path
    if rest:
        return {**doc, head: removed(doc[head], tuple(rest))}
    return {k: v for k, v in doc.items() if k != head}


def spliced(doc: dict[str, Any], path: Path, literal: bytes) -> bytes:
    """The document's JSON with raw bytes at `path`: what orjson.dumps cannot write."""
    raw = orjson.dumps(replaced(doc, path, SENTINEL))
    marker = orjson.dumps(SENTINEL)
    assert raw.count(marker) == 1, raw[:200]
    return raw.replace(marker, literal)


def nested(depth: int, rng: random.Random) -> bytes:
    """Arrays or objects `depth` levels deep, as JSON text."""
    if rng.random() < 0.5:
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"0" + b"}" * depth


def dotted(path: Path) -> str:
    return ".".join(path)


# --- the hostile kinds ---------------------------------------------------------------------
# Each takes a valid document and its key and returns a draft, or None when it does not apply.

Mutator = Callable[[random.Random, Pools, dict[str, Any], bytes], Draft | None]


def broken_json(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft:
    raw = orjson.dumps(doc)
    p = rng.randrange(1, len(raw))
    broken = rng.choice(
        [
            raw[:p],  # truncated
            raw[:p] + raw[p + 1 :],  # a byte lost
            raw[:p] + rng.choice(pools.garbage)[:3] + raw[p:],  # bytes inserted
            raw.replace(b'"', b"'"),  # single quotes
            raw[:-1] + b",}",  # trailing comma
            b"\xef\xbb\xbf" + raw,  # byte order mark
            raw + raw,  # two documents
            b"// note\n" + raw,  # a comment
            repr(doc).encode(),  # a Python dict
            rng.choice(pools.garbage),  # noise
        ]
    )
    return key, broken, None


def not_an_object(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft:
    choice = rng.choice(pools.json_values)
    if isinstance(choice, dict) or rng.random() < 0.2:
        choice = orjson.dumps(doc).decode()  # a JSON document sent as a JSON string
    return key, orjson.dumps(choice), None


def wrong_type(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft:
    path = rng.choice(paths(doc))
    return key, orjson.dumps(replaced(doc, path, rng.choice(pools.json_values))), path


def _number_at(rng: random.Random, doc: dict[str, Any], key: bytes, literal: bytes) -> Draft | None:
    numbers = leaves(doc, (int, float))
    if not numbers:
        return None
    path = rng.choice(numbers)
    return key, spliced(doc, path, literal), path


def non_finite(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft | None:
    return _number_at(rng, doc, key, rng.choice(pools.non_finite))


def huge_number(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft | None:
    return _number_at(rng, doc, key, rng.choice(pools.huge))


def out_of_range(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft | None:
    return _number_at(rng, doc, key, rng.choice(pools.numbers))


def bad_string(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft:
    path = rng.choice(leaves(doc, str))
    return key, orjson.dumps(replaced(doc, path, rng.choice(pools.strings))), path


def deep_nesting(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft:
    depth = rng.choice(pools.depths)
    if rng.random() < 0.1:
        return key, nested(depth, rng), None  # the whole message
    path = rng.choice(paths(doc))
    return key, spliced(doc, path, nested(depth, rng)), path


def unknown_enum(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft | None:
    enums = [name for name in ENUM_FIELDS if isinstance(doc.get(name), str)]
    if not enums:
        return None
    name = rng.choice(enums)
    return key, orjson.dumps({**doc, name: rng.choice(pools.enums)}), (name,)


def missing_field(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft:
    path = rng.choice(paths(doc))
    return key, orjson.dumps(removed(doc, path)), path


def invalid_utf8(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft:
    path = rng.choice(leaves(doc, str))
    text = orjson.dumps(at(doc, path))
    broken = text[:-1] + rng.choice(pools.not_utf8) + b'"'
    return key, spliced(doc, path, broken), None


def schema_version(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft:
    version = rng.choice([*pools.json_values, 0, 2, 7, -1, "1", True])
    return key, orjson.dumps({**doc, "schema_version": version}), ("schema_version",)


def oversize(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft:
    padding = _repeated(rng.choice(pools.strings)[:5] or "x", rng.randrange(70_000, 200_000))
    return key, orjson.dumps({**doc, "padding": padding}), None


def empty(rng: random.Random, pools: Pools, doc: dict[str, Any], key: bytes) -> Draft:
    return key, rng.choice([b"", None]), None


MUTATORS: dict[str, Mutator] = {
    "broken_json": broken_json,
    "not_an_object": not_an_object,
    "wrong_type": wrong_type,
    "non_finite": non_finite,
    "huge_number": huge_number,
    "out_of_range": out_of_range,
    "bad_string": bad_string,
    "deep_nesting": deep_nesting,
    "unknown_enum": unknown_enum,
    "missing_field": missing_field,
    "invalid_utf8": invalid_utf8,
    "schema_version": schema_version,
    "oversize": oversize,
    "empty": empty,
}


def wrong_key(rng: random.Random, pools: Pools, topic: Topic, doc: dict[str, Any]) -> Draft:
    key_field = CONTRACT[topic].key_field
    assert key_field is not None
    key = None if rng.random() < 0.15 else rng.choice(pools.keys)  # no key at all, or a wrong one
    return key, orjson.dumps(doc), (key_field,)


# --- the workload --------------------------------------------------------------------------


def key_of(topic: Topic, doc: dict[str, Any]) -> bytes:
    key_field = CONTRACT[topic].key_field
    assert key_field is not None
    return str(doc[key_field]).encode()


def judged(kind: str, topic: Topic, draft: Draft, max_bytes: int) -> Case:
    """The case with the decoder's verdict on it."""
    contract = CONTRACT[topic]
    assert contract.model is not None and contract.key_field is not None
    key, raw, path = draft
    verdict = decode(raw, key, contract.model, contract.key_field, max_bytes)
    rejection = verdict if isinstance(verdict, Rejection) else None
    # Only the contract's fields have names a reason must give; unknown keys are anyone's.
    field = dotted(path) if path and path[0] in contract.model.model_fields else None
    return Case(kind, topic, key, raw, field, rejection)


def bad_case(rng: random.Random, pools: Pools, kind: str, max_bytes: int) -> Case | None:
    """One hostile message of `kind` on a random input topic, or None if it came out valid."""
    topic = rng.choice(INPUT_TOPICS)
    doc = rng.choice(pools.valid[topic])
    if kind == "wrong_key":
        draft: Draft | None = wrong_key(rng, pools, topic, doc)
    else:
        draft = MUTATORS[kind](rng, pools, doc, key_of(topic, doc))
    if draft is None:
        return None
    case = judged(kind, topic, draft, max_bytes)
    return case if case.rejection is not None else None


def bad_cases(rng: random.Random, pools: Pools, max_bytes: int) -> list[Case]:
    """QUOTAS[kind] bad messages of every kind; drafts that came out valid are drawn again."""
    out: list[Case] = []
    for kind, quota in QUOTAS.items():
        made = tries = 0
        while made < quota:
            tries += 1
            assert tries < 50 * quota, f"{kind}: only {made} bad messages in {tries} tries"
            case = bad_case(rng, pools, kind, max_bytes)
            if case is not None:
                out.append(case)
                made += 1
    return out


def giants(pools: Pools, max_bytes: int) -> list[Case]:
    """Oversize messages near the broker's 1 MB limit: the dead letter must still fit."""
    doc = pools.valid[Topic.TACTICAL][0]
    key = key_of(Topic.TACTICAL, doc)
    bodies = [
        b"\x01" * 300_000,  # UTF-8 text, but each byte escapes to six in a JSON string
        orjson.dumps({**doc, "padding": '"' * 450_000}),  # 900 KB of escaped quotes: doubled again
        orjson.dumps({**doc, "padding": "a" * 990_000}),
        b"\xff" * 900_000,  # not UTF-8: base64
    ]
    return [judged("oversize", Topic.TACTICAL, (key, body, None), max_bytes) for body in bodies]


def valid_cases(rng: random.Random, pools: Pools, max_bytes: int) -> list[Case]:
    """Valid tactical signals (unique correlation ids, some left to derive) and state inputs."""
    out: list[Case] = []
    for n in range(VALID_SIGNALS):
        doc = rng.choice(pools.valid[Topic.TACTICAL])
        if n % 10:
            doc = {**doc, "correlation_id": f"fuzz-{n}"}
        out.append(_valid(Topic.TACTICAL, doc, max_bytes))
    states = [t for t in INPUT_TOPICS if t is not Topic.TACTICAL]
    for n in range(VALID_STATE_INPUTS):
        topic = states[n % len(states)]
        out.append(_valid(topic, rng.choice(pools.valid[topic]), max_bytes))
    return out


def _valid(topic: Topic, doc: dict[str, Any], max_bytes: int) -> Case:
    case = judged("valid", topic, (key_of(topic, doc), orjson.dumps(doc), None), max_bytes)
    assert case.rejection is None, f"generated a valid {topic} the decoder refuses: {case}"
    return Case("valid", topic, case.key, case.raw, correlation_id=doc.get("correlation_id"))


def workload(max_bytes: int, seed: int = SEED) -> list[Case]:
    """Every bad and valid message, shuffled together, the same on every run."""
    rng = random.Random(seed)
    pools = draw_pools()
    cases = [
        *bad_cases(rng, pools, max_bytes),
        *giants(pools, max_bytes),
        *valid_cases(rng, pools, max_bytes),
    ]
    rng.shuffle(cases)
    return cases


def census(cases: list[Case]) -> dict[str, Counter[str]]:
    """How many of each kind, topic and expected error type: for the report and the asserts."""
    bad = [c for c in cases if c.rejection is not None]
    return {
        "kind": Counter(c.kind for c in cases),
        "topic": Counter(c.topic.value for c in bad),
        "error_type": Counter(c.rejection.error_type.value for c in bad if c.rejection),
    }
