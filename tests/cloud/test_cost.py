"""The cost arithmetic against a hand-worked example, each priced kind on its own, and the price
file itself (every price sourced and dated; every instance type the stacks use priced)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from estate.cloud.cost import (
    DAYS_PER_MONTH,
    PRICES,
    CostEstimate,
    Footage,
    PriceBook,
    PriceError,
    TierFacts,
    Usage,
    estimate,
    load_prices,
)
from estate.paths import PROJECT_ROOT

READ = "2026-11-28"


def book(**prices: float | list[dict[str, float]] | dict[str, float]) -> PriceBook:
    """A price book of made-up round prices, so the worked example does not move with AWS's."""
    entries = {}
    for key, value in prices.items():
        form = "tiers" if isinstance(value, list) else "by_type" if isinstance(value, dict) else "price"
        entries[key] = {"what": key, "unit": "u", form: value, "source": "https://example.org/", "read": READ,
                        "checked": "made up"}
    return PriceBook.model_validate({"region": "eu-west-2", "currency": "USD", "prices": entries})


WORKED = book(
    s3_standard_gb_month=[{"up_to": 51200, "price": 0.024}, {"up_to": 512000, "price": 0.023}, {"price": 0.022}],
    s3_put_request=0.000005, s3_get_request=0.0000004, kms_request=0.000003, kms_key_month=1.0,
    ec2_hour={"c6i.large": 0.10}, nlb_hour=0.025, nlb_lcu_hour=0.006, tgw_data_gb=0.02, tgw_attachment_hour=0.05,
    endpoint_data_gb=0.01, endpoint_hour=0.01, cloudtrail_data_event=0.000001)


def test_hand_worked_small_stack() -> None:
    # storage tier: 10 TB/day of footage in 1,000 objects a day, kept 31 days, one key
    # compute tier: two c6i.large and one NLB
    facts = {"storage": TierFacts({"kms_key": 1}), "compute": TierFacts({"nlb": 1}, {"c6i.large": 2})}
    usage = Usage(footage=(Footage("storage", "ingest", gb_per_day=10_000, objects_per_day=1_000, keep_days=31),),
                  nlb_lcu_per_hour=1.0)
    cost = estimate(facts, usage, WORKED)
    storage, compute = cost.tiers

    # 10,000 GB/day x 31 days = 310,000 GB held all month = 310,000 GB-months, priced by band:
    #   51,200 x 0.024 = 1,228.80;  (310,000 - 51,200) = 258,800 x 0.023 = 5,952.40  -> 7,181.20
    held = {line.item: line for line in storage.lines}["ingest STANDARD held"]
    assert held.quantity == 310_000
    assert held.amount == pytest.approx(1_228.80 + 5_952.40)
    # 1,000 objects a day x 365/12 days = 30,416.67 objects: one PUT and one KMS request each
    objects = 1_000 * 365 / 12
    assert {line.price_key: line.amount for line in storage.lines} == pytest.approx({
        "s3_standard_gb_month": 7_181.20,
        "s3_put_request": objects * 0.000005,  # 0.152
        "kms_request": objects * 0.000003,  # 0.091
        "kms_key_month": 1.0,
    })
    # two instances x 730 h x $0.10 = 146.00; the NLB 730 h x $0.025 = 18.25 and 730 NLCU-h x $0.006 = 4.38
    assert {line.price_key: line.amount for line in compute.lines} == pytest.approx({
        "ec2_hour": 146.00, "nlb_hour": 18.25, "nlb_lcu_hour": 4.38})
    assert cost.total == pytest.approx(7_181.20 + objects * 0.000008 + 1.0 + 146.00 + 18.25 + 4.38)
    assert any("310,000 GB" in text and "$0.02317" in text for text in storage.assumptions)


def test_lifecycle_classes_held_at_steady_state() -> None:
    # 100 GB/day kept 400 days: Standard days 0-90, Glacier 90-365, Deep Archive 365-400
    flow = Footage("t", "b", 100, 10, 400, ((90, "GLACIER"), (365, "DEEP_ARCHIVE")))
    assert flow.held_gb() == {"STANDARD": 9_000, "GLACIER": 27_500, "DEEP_ARCHIVE": 3_500}
    # retention shorter than the first transition: it never leaves Standard
    assert Footage("t", "b", 100, 10, 30, ((90, "GLACIER"),)).held_gb() == {"STANDARD": 3_000}


def test_transitions_and_data_events_priced_per_object() -> None:
    prices = book(s3_standard_gb_month=0.02, s3_glacier_gb_month=0.004, s3_transition_glacier_request=0.00003,
                  s3_put_request=0.000005, s3_get_request=0.0000004, kms_request=0.000003,
                  cloudtrail_data_event=0.000001)
    flow = Footage("t", "b", 100, 10, 400, ((90, "GLACIER"),), puts_per_object=3, gets_per_object=2,
                   data_events=True)
    cost = estimate({"t": TierFacts()}, Usage(footage=(flow,)), prices)
    lines = {line.price_key: line for line in cost.tiers[0].lines}
    month = 10 * DAYS_PER_MONTH
    assert lines["s3_transition_glacier_request"].quantity == pytest.approx(month)
    assert lines["s3_put_request"].quantity == pytest.approx(3 * month)
    assert lines["s3_get_request"].quantity == pytest.approx(2 * month)
    assert lines["cloudtrail_data_event"].quantity == pytest.approx(5 * month)
    assert lines["s3_glacier_gb_month"].amount == pytest.approx(100 * 310 * 0.004)


@pytest.mark.parametrize(("kind", "key", "price"), [
    ("tgw_attachment", "tgw_attachment_hour", 0.05), ("vpn", "vpn_connection_hour", 0.05),
    ("endpoint_az", "endpoint_hour", 0.011), ("resolver_eni", "resolver_endpoint_eni_hour", 0.125),
    ("kinesis_stream", "kinesis_on_demand_stream_hour", 0.04),
])
def test_hourly_kinds(kind: str, key: str, price: float) -> None:
    lines = estimate({"t": TierFacts({kind: 3})}, Usage(), book(**{key: price})).tiers[0].lines
    assert [(line.price_key, line.quantity) for line in lines] == [(key, 3 * 730)]
    assert lines[0].amount == pytest.approx(3 * 730 * price)


@pytest.mark.parametrize(("kind", "key"), [("zone", "route53_zone_month"), ("kms_key", "kms_key_month"),
                                           ("alarm", "cloudwatch_alarm_month")])
def test_monthly_kinds(kind: str, key: str) -> None:
    lines = estimate({"t": TierFacts({kind: 4})}, Usage(), book(**{key: 0.5})).tiers[0].lines
    assert [(line.price_key, line.amount) for line in lines] == [(key, 2.0)]


def by_key(cost: CostEstimate) -> dict[str, dict[str, float]]:
    """Each tier's charges summed by price."""
    found: dict[str, dict[str, float]] = {}
    for tier in cost.tiers:
        for line in tier.lines:
            charges = found.setdefault(tier.tier, {})
            charges[line.price_key] = charges.get(line.price_key, 0.0) + line.amount
    return found


def test_traffic_goes_to_the_tiers_holding_the_service() -> None:
    prices = book(tgw_data_gb=0.02, endpoint_data_gb=0.01, chime_voice_connector_minute=0.005,
                  connect_voice_minute=0.018, kinesis_on_demand_ingest_gb=0.08, s3_standard_gb_month=0.02,
                  s3_put_request=0.0, s3_get_request=0.0, kms_request=0.0)
    facts = {"net": TierFacts({"tgw": 1}), "ep": TierFacts({"s3_endpoint": 1}),
             "voice": TierFacts({"voice_connector": 1}), "cc": TierFacts({"connect": 1}), "s": TierFacts()}
    usage = Usage(footage=(Footage("s", "b", 100, 10, 1, from_sites=True),), footage_via_vpc=True,
                  voice_gb_per_month=50, pstn_minutes_per_month=1_000, connect_minutes_per_month=2_000,
                  kinesis_gb_per_month=10)
    cost = by_key(estimate(facts, usage, prices))
    footage_gb = 100 * DAYS_PER_MONTH
    assert cost["net"] == pytest.approx({"tgw_data_gb": (50 + footage_gb) * 0.02})
    assert cost["ep"] == pytest.approx({"endpoint_data_gb": footage_gb * 0.01})
    assert cost["voice"] == pytest.approx({"chime_voice_connector_minute": 5.0})
    assert cost["cc"] == pytest.approx({"connect_voice_minute": 36.0, "kinesis_on_demand_ingest_gb": 0.8})
    # over the internet instead: no Transit Gateway or endpoint charge for footage
    cost2 = estimate(facts, Usage(footage=usage.footage, voice_gb_per_month=50), prices)
    assert by_key(cost2)["net"] == pytest.approx({"tgw_data_gb": 1.0})


def test_unknown_instance_type_is_named_not_guessed() -> None:
    cost = estimate({"t": TierFacts({}, {"x9z.huge": 2})}, Usage(), WORKED)
    assert cost.tiers[0].lines == ()
    assert "x9z.huge" in cost.tiers[0].not_priced[0]


def test_tiered_bands() -> None:
    assert WORKED.tiered("s3_standard_gb_month", 51_200) == pytest.approx(1_228.80)
    assert WORKED.tiered("s3_standard_gb_month", 600_000) == pytest.approx(
        51_200 * 0.024 + 460_800 * 0.023 + 88_000 * 0.022)


def test_every_price_is_sourced_and_dated() -> None:
    prices = load_prices()
    assert prices.region == "eu-west-2"
    for key, price in prices.prices.items():
        assert price.source.startswith("https://aws.amazon.com/"), key
        assert price.read.isoformat() >= "2026-01-01", key
        assert price.checked.split()[0] in {"price-list", "recalled", "us-east-1"}, key


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_every_instance_type_the_stacks_use_is_priced(env: str) -> None:
    voice = yaml.safe_load((PROJECT_ROOT / f"Pulumi.{env}.yaml").read_text())["config"]["estate:voice"]
    ec2 = load_prices().prices["ec2_hour"].by_type or {}
    for key in ("sbcInstanceType", "callControlInstanceType"):
        assert voice[key] in ec2, (env, key)


def test_price_file_problems_name_file_and_price(tmp_path: Path) -> None:
    bad = tmp_path / "prices.yaml"
    bad.write_text(PRICES.read_text().replace("    price: 0.05\n", "    price: -1\n", 1))
    with pytest.raises(PriceError, match=r"prices\.yaml: prices\.\w+\.price: Input should be greater than or equal"):
        load_prices(bad)
    bad.write_text(PRICES.read_text().replace("read: 2026-10-06", "read: someday", 1))
    with pytest.raises(PriceError, match=r"prices\.s3_standard_gb_month\.read"):
        load_prices(bad)
