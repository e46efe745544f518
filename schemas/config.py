"""The one frozen, validated config model; `config_version` hashes its sizing part."""

import hashlib
from itertools import pairwise
from typing import Annotated, Literal, Self

import orjson
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from schemas.enums import CascadeRecommendation, Regime

Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CascadeWeights(Frozen):
    funding: Fraction = 0.20
    oi_drop: Fraction = 0.25
    volume_spike: Fraction = 0.15
    whale_pressure: Fraction = 0.25
    netflow: Fraction = 0.15


class CascadeConfig(Frozen):
    """Seed 000 §11.1 thresholds, caps, weights and recommendation bands."""

    funding_rate_threshold: PositiveFloat = 0.003
    funding_rate_cap: PositiveFloat = 0.01
    oi_drop_threshold: PositiveFloat = 0.10
    oi_drop_cap: PositiveFloat = 0.30
    volume_spike_threshold: PositiveFloat = 5.0
    volume_spike_cap: PositiveFloat = 10.0
    whale_pressure_threshold: Fraction = 0.7
    netflow_zscore_threshold: PositiveFloat = 2.0
    netflow_zscore_cap: PositiveFloat = 4.0
    weights: CascadeWeights = CascadeWeights()
    exit_above: Fraction = 0.8
    reduce_75_above: Fraction = 0.6
    reduce_50_above: Fraction = 0.4
    multipliers: dict[CascadeRecommendation, Fraction] = Field(
        default_factory=lambda: {
            CascadeRecommendation.EXIT: 0.0,
            CascadeRecommendation.REDUCE_75: 0.25,
            CascadeRecommendation.REDUCE_50: 0.5,
            CascadeRecommendation.MONITOR: 1.0,
        }
    )

    @model_validator(mode="after")
    def _bands_descend(self) -> Self:
        if not self.exit_above >= self.reduce_75_above >= self.reduce_50_above:
            raise ValueError(
                "cascade bands must satisfy exit_above >= reduce_75_above >= reduce_50_above"
            )
        missing = set(CascadeRecommendation) - set(self.multipliers)
        if missing:
            raise ValueError(f"cascade.multipliers lacks {sorted(missing)}")
        m = self.multipliers
        order = [
            CascadeRecommendation.EXIT,
            CascadeRecommendation.REDUCE_75,
            CascadeRecommendation.REDUCE_50,
            CascadeRecommendation.MONITOR,
        ]
        if any(m[a] > m[b] for a, b in pairwise(order)):
            raise ValueError("cascade.multipliers must not grow with cascade risk")
        return self


class RegimeConfig(Frozen):
    """Seed 000 §11.2 hysteresis and regime multipliers."""

    hysteresis_periods: Annotated[int, Field(ge=1, le=100)] = 3
    transition_history: Annotated[int, Field(ge=1, le=1000)] = 10
    multipliers: dict[Regime, Annotated[float, Field(ge=0.0, le=2.0)]] = Field(
        default_factory=lambda: {
            Regime.TRENDING_UP: 1.2,
            Regime.TRENDING_DOWN: 0.8,
            Regime.RANGING: 1.0,
            Regime.HIGH_VOLATILITY: 0.6,
            Regime.CRISIS: 0.2,
        }
    )

    @model_validator(mode="after")
    def _every_regime(self) -> Self:
        missing = set(Regime) - set(self.multipliers)
        if missing:
            raise ValueError(f"regime.multipliers lacks {sorted(missing)}")
        return self


class SentimentConfig(Frozen):
    weight: Fraction = 0.15


class KellyConfig(Frozen):
    kelly_fraction: Annotated[float, Field(gt=0.0, le=1.0)] = 0.25
    prior_strength: Annotated[float, Field(gt=0.0, le=10_000.0)] = 10.0


class ConformalConfig(Frozen):
    coverage: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.9
    window: Annotated[int, Field(ge=1, le=10_000)] = 100
    min_scale: Fraction = 0.2
    full_size_width: PositiveFloat = 0.02


class BudgetConfig(Frozen):
    position_pct: Fraction = 0.15
    strategy_pct: Fraction = 0.40
    portfolio_pct: Fraction = 0.80


class EnsembleConfig(Frozen):
    """Seed 000 §11.7: stacking of strategies on one symbol and weight-drift tracking."""

    second_strategy_penalty: Fraction = 0.7
    drift_alert_pct: PositiveFloat = 0.20
    history_size: Annotated[int, Field(ge=1, le=100_000)] = 1000
    # A portfolio's book holds at most this many strategies: it bounds the book's record, the
    # weight snapshots and the pairwise independence work. A further one is refused (book_full).
    max_strategies: Annotated[int, Field(ge=1, le=256)] = 48
    # A strategy with no signal for this long (event time) leaves the book: views and samples.
    strategy_idle_s: Annotated[float, Field(gt=0.0, le=30 * 86_400.0)] = 3_600.0


class CorrelationConfig(Frozen):
    """Seed 002: rolling correlation of per-symbol returns over event-time periods."""

    window: Annotated[int, Field(ge=2, le=10_000)] = 60
    period_s: Annotated[float, Field(ge=0.001, le=86_400.0)] = 60.0
    min_periods: Annotated[int, Field(ge=2, le=10_000)] = 10
    max_correlation: Fraction = 0.7


class IndependenceConfig(Frozen):
    """Seed 003 §4a: effective number of independent strategies per portfolio."""

    window: Annotated[int, Field(ge=2, le=10_000)] = 500
    period_s: Annotated[float, Field(ge=0.001, le=86_400.0)] = 60.0
    min_samples: Annotated[int, Field(ge=2, le=10_000)] = 10
    degenerate_above: Fraction = 0.8


class CapitalLimitConfig(Frozen):
    """Seed 003 §1a: max notional = equity × budget_pct × vol_adj."""

    enabled: bool = True
    position_budget_pct: Fraction = 0.50
    baseline_daily_vol: PositiveFloat = 0.02
    vol_sensitivity: Annotated[float, Field(ge=0.0, le=100.0)] = 0.5
    min_position_usd: Annotated[float, Field(ge=0.0, le=1e12)] = 10.0


class KillSwitchConfig(Frozen):
    """Seed 003 §1c: loss limits as fractions of equity; REDUCING past `reducing_at` of one."""

    max_daily_loss_pct: Fraction = 0.05
    max_drawdown_pct: Fraction = 0.02
    reducing_at: Fraction = 0.5


class SwingConfig(Frozen):
    """Seed 003 §1b: (high − low) of a symbol's target over the window, per position limit."""

    window_s: Annotated[float, Field(gt=0.0, le=86_400.0)] = 300.0
    max_swing: PositiveFloat = 1.5


class ConcentrationConfig(Frozen):
    """Seed 004 §3: block entries that add to a net delta already past this share of equity."""

    max_net_delta_pct: Annotated[float, Field(gt=0.0, le=100.0)] = 0.70


class ExpiryConfig(Frozen):
    """Idle entries leave the tables (event time), so memory stays bounded under key churn."""

    # Each input partition's entries are swept at most once per this period of its inputs.
    sweep_every_s: Annotated[float, Field(ge=1.0, le=86_400.0)] = 600.0
    # A (strategy, symbol) with no outcome for this long loses its posteriors and residuals.
    track_record_idle_s: Annotated[float, Field(gt=0.0, le=365 * 86_400.0)] = 30 * 86_400.0
    # A symbol with no input of a kind for this long loses that entry (cascade, regime or
    # sentiment); its signals then fail closed (no_cascade, no_regime) until one comes.
    symbol_state_idle_s: Annotated[float, Field(gt=0.0, le=365 * 86_400.0)] = 7 * 86_400.0


MAX_BOOK_SAMPLES = 32_000


class SizingConfig(Frozen):
    """Everything that changes a decision; its hash is the `config_version`."""

    cascade: CascadeConfig = CascadeConfig()
    regime: RegimeConfig = RegimeConfig()
    sentiment: SentimentConfig = SentimentConfig()
    kelly: KellyConfig = KellyConfig()
    conformal: ConformalConfig = ConformalConfig()
    budgets: BudgetConfig = BudgetConfig()
    ensemble: EnsembleConfig = EnsembleConfig()
    correlation: CorrelationConfig = CorrelationConfig()
    independence: IndependenceConfig = IndependenceConfig()
    capital_limit: CapitalLimitConfig = CapitalLimitConfig()
    kill_switch: KillSwitchConfig = KillSwitchConfig()
    swing: SwingConfig = SwingConfig()
    concentration: ConcentrationConfig = ConcentrationConfig()
    expiry: ExpiryConfig = ExpiryConfig()
    portfolio_value_usd: PositiveFloat = 100_000.0
    # A snapshot older than this (signal event time − snapshot event time) fails closed.
    max_snapshot_age_s: Annotated[float, Field(gt=0.0, le=30 * 86_400.0)] = 300.0
    # Portfolios (snapshot entries, and books with their weight history) that one partition of
    # their topic may hold: the cap on every per-portfolio entry. A further portfolio's
    # snapshots are dead-lettered and its signals decided flat (portfolio_limit).
    max_portfolios_per_partition: Annotated[int, Field(ge=1, le=100_000)] = 64
    require_regime: bool = True
    require_cascade: bool = True

    @model_validator(mode="after")
    def _book_fits_a_record(self) -> Self:
        # A book keeps `window` samples of 16 bytes per strategy in one changelog record (1 MB).
        points = self.ensemble.max_strategies * self.independence.window
        if points > MAX_BOOK_SAMPLES:
            raise ValueError(
                f"ensemble.max_strategies × independence.window is {points} samples per book; "
                f"at most {MAX_BOOK_SAMPLES} fit in its changelog record"
            )
        return self


class InputsConfig(Frozen):
    max_message_bytes: Annotated[int, Field(ge=256, le=16 * 1024 * 1024)] = 65_536


class TopicsConfig(Frozen):
    prefix: str = ""
    partitions: Annotated[int, Field(ge=1, le=1024)] = 8
    replication_factor: Annotated[int, Field(ge=1, le=7)] = 1


class KafkaConfig(Frozen):
    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None
    fetch_max_wait_ms: Annotated[int, Field(ge=1, le=10_000)] = 100
    session_timeout_s: Annotated[float, Field(ge=1.0, le=300.0)] = 6.0
    heartbeat_interval_s: Annotated[float, Field(ge=0.1, le=60.0)] = 1.5
    producer_linger_ms: Annotated[int, Field(ge=0, le=1000)] = 5
    # What the producers compress record batches with. A decision's JSON compresses about 13×
    # with zstd: a replay then reads a thirteenth of the bytes from the broker's disk.
    producer_compression: Literal["none", "gzip", "snappy", "lz4", "zstd"] = "zstd"
    # exactly_once: each delivery is a Kafka transaction with its inputs' offsets (needs a
    # broker with transactions: not Tansu); readers of the outputs use read_committed.
    processing_guarantee: Literal["at_least_once", "exactly_once"] = "at_least_once"

    @property
    def exactly_once(self) -> bool:
        return self.processing_guarantee == "exactly_once"


class WorkerConfig(Frozen):
    app_id: str = "himari-l3"
    # Names this worker's transactional producers under exactly_once: unique per worker and
    # stable across its restarts (a restart fences its predecessor). Empty: the host name.
    instance_id: Annotated[str, Field(max_length=128, pattern=r"^[A-Za-z0-9._-]*$")] = ""
    data_dir: str = "var/worker"
    web_port: Annotated[int, Field(ge=0, le=65535)] = 6066
    metrics_port: Annotated[int, Field(ge=0, le=65535)] = 9108
    metrics_bind: str = "127.0.0.1"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    batch_max: Annotated[int, Field(ge=1, le=100_000)] = 500
    batch_within_s: Annotated[float, Field(gt=0.0, le=5.0)] = 0.01
    # A diagnosis: log the heap's object counts by type, and their growth, this often (0: off).
    heap_census_every_s: Annotated[float, Field(ge=0.0, le=86_400.0)] = 0.0


class Layer3Config(Frozen):
    sizing: SizingConfig = SizingConfig()
    inputs: InputsConfig = InputsConfig()
    topics: TopicsConfig = TopicsConfig()
    kafka: KafkaConfig = KafkaConfig()
    worker: WorkerConfig = WorkerConfig()

    @property
    def config_version(self) -> str:
        """Content hash of the sizing section: equal configs decide equally (not cached: copies differ)."""
        canonical = orjson.dumps(self.sizing.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(canonical).hexdigest()[:16]
