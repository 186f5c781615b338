"""A monthly cost estimate of a stack from public list prices kept as data (`prices.yaml`).

The arithmetic lives here and takes plain numbers: what each tier declares (`TierFacts`:
load balancers, attachments, keys, instances by type...) and the month's usage (`Usage`:
footage flowing into buckets and how long it stays in each storage class, calls, stream
data). `estate.cloud.plan_usage` derives both from a plan; tests build them by hand. Every
line names its price, and every tier carries the assumptions its usage rests on, so a reader
can redo the sum. Steady state: storage is what the buckets hold once their retention has
filled, not the first month's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from estate.inventory.yaml_source import YamlSyntaxError, parse_yaml

PRICES = Path(__file__).with_name("prices.yaml")
HOURS_PER_MONTH = 730  # AWS's own monthly figure (8,760 / 12)
DAYS_PER_MONTH = 365 / 12
GB = 1000**3
MIB = 2**20
STANDARD = "STANDARD"
STORAGE_PRICES = {STANDARD: "s3_standard_gb_month", "STANDARD_IA": "s3_standard_ia_gb_month",
                  "GLACIER_IR": "s3_glacier_ir_gb_month", "GLACIER": "s3_glacier_gb_month",
                  "DEEP_ARCHIVE": "s3_deep_archive_gb_month"}
TRANSITION_PRICES = {"GLACIER": "s3_transition_glacier_request",
                     "DEEP_ARCHIVE": "s3_transition_deep_archive_request"}
# resources priced by the hour or the month, by the kind plan_usage counts them as
HOURLY = {"nlb": ("nlb_hour", "Network Load Balancer"),
          "tgw_attachment": ("tgw_attachment_hour", "Transit Gateway attachment"),
          "vpn": ("vpn_connection_hour", "Site-to-Site VPN connection"),
          "endpoint_az": ("endpoint_hour", "interface endpoint in an AZ"),
          "resolver_eni": ("resolver_endpoint_eni_hour", "Resolver endpoint interface"),
          "kinesis_stream": ("kinesis_on_demand_stream_hour", "on-demand Kinesis stream")}
MONTHLY = {"zone": ("route53_zone_month", "hosted zone"), "kms_key": ("kms_key_month", "KMS key"),
           "alarm": ("cloudwatch_alarm_month", "CloudWatch alarm")}


class PriceError(ValueError):
    """The price file cannot be used; the message names the file and the price."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Band(_Model):
    up_to: Annotated[float, Field(gt=0)] | None = None  # in the price's unit; None: everything above
    price: Annotated[float, Field(ge=0)]


class Price(_Model):
    what: str
    unit: str
    price: Annotated[float, Field(ge=0)] | None = None
    tiers: tuple[Band, ...] | None = None
    by_type: dict[str, Annotated[float, Field(ge=0)]] | None = None
    source: Annotated[str, Field(pattern=r"^https://")]
    read: date
    checked: str

    @model_validator(mode="after")
    def _one_form(self) -> Price:
        if sum(x is not None for x in (self.price, self.tiers, self.by_type)) != 1:
            raise ValueError("give exactly one of price, tiers, by_type")
        if self.tiers is not None and (not self.tiers or self.tiers[-1].up_to is not None):
            raise ValueError("the last tier must have no up_to (it prices everything above)")
        return self


class PriceBook(_Model):
    region: str
    currency: str
    prices: dict[str, Price]

    def price(self, key: str) -> Price:
        if key not in self.prices:
            raise PriceError(f"the price file has no price {key}")
        return self.prices[key]

    def rate(self, key: str) -> float:
        price = self.price(key).price
        if price is None:
            raise PriceError(f"price {key} is not a single rate")
        return price

    def tiered(self, key: str, quantity: float) -> float:
        """The charge for `quantity` units priced band by band (S3 storage by volume)."""
        tiers = self.price(key).tiers
        if tiers is None:
            return quantity * self.rate(key)
        total, floor = 0.0, 0.0
        for band in tiers:
            top = math.inf if band.up_to is None else band.up_to
            total += max(0.0, min(quantity, top) - floor) * band.price
            floor = top
        return total


def load_prices(path: Path = PRICES) -> PriceBook:
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"))
        return PriceBook.model_validate(document.data)
    except (OSError, YamlSyntaxError) as exc:
        raise PriceError(f"{path}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PriceError(f"{path}: {where}: {first['msg']}") from None


@dataclass(frozen=True)
class Footage:
    """Objects flowing into one bucket: how much a day, in how many objects, for how long, and
    through which storage classes (lifecycle transitions as (day, class), in order)."""

    tier: str
    bucket: str
    gb_per_day: float
    objects_per_day: float
    keep_days: int
    transitions: tuple[tuple[int, str], ...] = ()
    puts_per_object: int = 1  # a multipart upload: its parts plus create and complete
    gets_per_object: float = 0.0
    data_events: bool = False  # a trail records this bucket's object-level requests
    from_sites: bool = False  # uploaded over the WAN (not copied inside AWS)

    def held_gb(self) -> dict[str, float]:
        """GB held in each storage class at steady state."""
        held: dict[str, float] = {}
        starts = [(0, STANDARD), *self.transitions]
        for i, (start, storage_class) in enumerate(starts):
            end = starts[i + 1][0] if i + 1 < len(starts) else self.keep_days
            days = max(0, min(end, self.keep_days) - min(start, self.keep_days))
            if days:
                held[storage_class] = held.get(storage_class, 0.0) + self.gb_per_day * days
        return held


@dataclass(frozen=True)
class TierFacts:
    """What one tier declares that is priced: kinds of HOURLY / MONTHLY, instances by type, and
    which usage-priced services it holds (tgw, s3_endpoint, trail, voice_connector, connect)."""

    counts: Mapping[str, int] = field(default_factory=dict)
    instances: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Usage:
    footage: tuple[Footage, ...] = ()
    footage_via_vpc: bool = False  # through the Transit Gateway and an S3 interface endpoint
    voice_gb_per_month: float = 0.0  # media and signalling through the Transit Gateway
    nlb_lcu_per_hour: float = 1.0
    pstn_minutes_per_month: float = 0.0
    connect_minutes_per_month: float = 0.0
    kinesis_gb_per_month: float = 0.0
    kms_requests_per_object: float = 1.0  # bucket keys: about one data key per object written
    assumptions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # per tier, from plan_usage


@dataclass(frozen=True)
class Line:
    item: str
    quantity: float
    unit: str
    price_key: str
    rate: float  # the average price per unit (tiered prices: the blend this quantity pays)
    amount: float


@dataclass(frozen=True)
class TierCost:
    tier: str
    lines: tuple[Line, ...]
    assumptions: tuple[str, ...]
    not_priced: tuple[str, ...]

    @property
    def total(self) -> float:
        return sum(line.amount for line in self.lines)


@dataclass(frozen=True)
class CostEstimate:
    currency: str
    region: str
    tiers: tuple[TierCost, ...]
    prices: Mapping[str, Price]

    @property
    def total(self) -> float:
        return sum(t.total for t in self.tiers)

    def used_prices(self) -> dict[str, Price]:
        keys = sorted({line.price_key for t in self.tiers for line in t.lines})
        return {key: self.prices[key] for key in keys}


class _Tally:
    def __init__(self, book: PriceBook) -> None:
        self.book = book
        self.lines: dict[str, list[Line]] = {}
        self.notes: dict[str, list[str]] = {}
        self.missing: dict[str, list[str]] = {}

    def add(self, tier: str, item: str, quantity: float, unit: str, key: str, *, amount: float | None = None) -> None:
        if quantity <= 0:
            return
        charge = quantity * self.book.rate(key) if amount is None else amount
        self.lines.setdefault(tier, []).append(Line(item, quantity, unit, key, charge / quantity, charge))

    def note(self, tier: str, text: str) -> None:
        self.notes.setdefault(tier, []).append(text)

    def skip(self, tier: str, text: str) -> None:
        self.missing.setdefault(tier, []).append(text)


def _holder(facts: Mapping[str, TierFacts], kind: str) -> str | None:
    return next((tier for tier, f in facts.items() if f.counts.get(kind)), None)


def _fixed(tally: _Tally, tier: str, f: TierFacts, usage: Usage) -> None:
    for kind, (key, label) in HOURLY.items():
        if n := f.counts.get(kind, 0):
            tally.add(tier, f"{n} {label} x {HOURS_PER_MONTH} h", n * HOURS_PER_MONTH, "h", key)
    if n := f.counts.get("nlb", 0):
        lcu = n * HOURS_PER_MONTH * usage.nlb_lcu_per_hour
        tally.add(tier, f"NLB capacity units ({usage.nlb_lcu_per_hour:g} NLCU per NLB-hour)", lcu, "NLCU-h",
                  "nlb_lcu_hour")
    for kind, (key, label) in MONTHLY.items():
        if n := f.counts.get(kind, 0):
            tally.add(tier, f"{n} {label}", n, "month", key)
    ec2 = (tally.book.price("ec2_hour").by_type or {}) if f.instances else {}
    for instance_type, n in sorted(f.instances.items()):
        if instance_type not in ec2:
            tally.skip(tier, f"{n} x {instance_type}: no price for this type in prices.yaml (ec2_hour.by_type)")
            continue
        hours = n * HOURS_PER_MONTH
        tally.add(tier, f"{n} x {instance_type} x {HOURS_PER_MONTH} h", hours, "h", "ec2_hour",
                  amount=hours * ec2[instance_type])


def _storage(tally: _Tally, usage: Usage) -> None:
    standard = {f.bucket: f.held_gb().get(STANDARD, 0.0) for f in usage.footage}
    total_standard = sum(standard.values())
    blended = tally.book.tiered(STORAGE_PRICES[STANDARD], total_standard) / total_standard if total_standard else 0.0
    if total_standard:
        tally.note(usage.footage[0].tier, f"S3 Standard is priced on the account's total, {total_standard:,.0f} GB: "
                                          f"${blended:.5f}/GB-month blended across the volume bands")
    for f in usage.footage:
        month_objects = f.objects_per_day * DAYS_PER_MONTH
        tally.note(f.tier, f"{f.bucket}: {f.gb_per_day:,.0f} GB/day in {f.objects_per_day:,.0f} objects, kept "
                           f"{f.keep_days:,} days" + "".join(f", {c} from day {d:,}" for d, c in f.transitions))
        for storage_class, gb in f.held_gb().items():
            key = STORAGE_PRICES.get(storage_class)
            if key is None:
                tally.skip(f.tier, f"{f.bucket}: storage class {storage_class} has no price")
                continue
            amount = gb * blended if storage_class == STANDARD else None
            tally.add(f.tier, f"{f.bucket} {storage_class} held", gb, "GB-month", key, amount=amount)
        for day, storage_class in f.transitions:
            if day >= f.keep_days:
                continue
            if (key := TRANSITION_PRICES.get(storage_class)) is None:
                tally.skip(f.tier, f"{f.bucket}: transitions to {storage_class} have no price")
                continue
            tally.add(f.tier, f"{f.bucket} transitions to {storage_class}", month_objects, "objects", key)
        puts, gets = month_objects * f.puts_per_object, month_objects * f.gets_per_object
        tally.add(f.tier, f"{f.bucket} PUT requests ({f.puts_per_object} per object)", puts, "requests",
                  "s3_put_request")
        tally.add(f.tier, f"{f.bucket} GET requests ({f.gets_per_object:g} per object)", gets, "requests",
                  "s3_get_request")
        tally.add(f.tier, f"{f.bucket} KMS requests", month_objects * usage.kms_requests_per_object, "requests",
                  "kms_request")
        if f.data_events:
            tally.add(f.tier, f"{f.bucket} CloudTrail data events (one per request)", puts + gets, "events",
                      "cloudtrail_data_event")


def _traffic(tally: _Tally, facts: Mapping[str, TierFacts], usage: Usage) -> None:
    footage_gb = sum(f.gb_per_day for f in usage.footage if f.from_sites) * DAYS_PER_MONTH
    tgw, endpoint = _holder(facts, "tgw"), _holder(facts, "s3_endpoint")
    if tgw is not None:
        tally.add(tgw, "voice media and signalling through the Transit Gateway", usage.voice_gb_per_month, "GB",
                  "tgw_data_gb")
        if usage.footage_via_vpc:
            tally.add(tgw, "footage uploads through the Transit Gateway", footage_gb, "GB", "tgw_data_gb")
    if usage.footage_via_vpc and endpoint is not None:
        tally.add(endpoint, "footage uploads through the S3 interface endpoint", footage_gb, "GB", "endpoint_data_gb")
    if (voice := _holder(facts, "voice_connector")) is not None:
        tally.add(voice, "PSTN minutes through the Voice Connector", usage.pstn_minutes_per_month, "min",
                  "chime_voice_connector_minute")
    if (connect := _holder(facts, "connect")) is not None:
        tally.add(connect, "Connect voice minutes", usage.connect_minutes_per_month, "min", "connect_voice_minute")
        tally.add(connect, "contact records and agent events written to Kinesis", usage.kinesis_gb_per_month, "GB",
                  "kinesis_on_demand_ingest_gb")


def estimate(facts: Mapping[str, TierFacts], usage: Usage, book: PriceBook) -> CostEstimate:
    """The month's charges per tier (in `facts`' order), with the assumptions behind them."""
    tally = _Tally(book)
    for tier, f in facts.items():
        _fixed(tally, tier, f, usage)
    _storage(tally, usage)
    _traffic(tally, facts, usage)
    tiers = tuple(TierCost(tier, tuple(tally.lines.get(tier, ())),
                           (*usage.assumptions.get(tier, ()), *tally.notes.get(tier, ())),
                           tuple(tally.missing.get(tier, ())))
                  for tier in facts)
    return CostEstimate(book.currency, book.region, tiers, book.prices)
