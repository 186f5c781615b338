"""Direct Connect across accounts: the association is proposed from this account and accepted in
the network account through a provider that assumes the configured role there; the settings
that name that account are checked. Plain mocks: moto emulates no Direct Connect gateway."""

from __future__ import annotations

import json
import threading
from ipaddress import IPv4Network
from typing import Any

import pulumi
import pytest

from estate.cloud.connectivity import Connectivity, ConnectivityArgs, CrossAccountDx, carve
from estate.cloud.mocks import EstateMocks, run_program
from estate.cloud.settings import SettingsError, check_against_inventory, parse_settings, read_stack_config
from estate.inventory.inventory import Inventory
from tests.fixtures import FIXTURE_PROJECT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
DX = CrossAccountDx(gateway_id="5f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", owner_account_id="444444444444",
                    role_arn="arn:aws:iam::444444444444:role/estate-dx-association-acceptor")


class ProviderMocks(EstateMocks):
    """Plain mocks that also note which provider each resource was declared with."""

    def __init__(self) -> None:
        super().__init__(account="333333333333")
        self.providers: dict[str, str] = {}
        self._seen = threading.Lock()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        with self._seen:
            self.providers[args.name] = args.provider or ""
        return super().new_resource(args)


def declare_component(args: ConnectivityArgs) -> None:
    Connectivity("prod-connectivity", args)


def declare(dx: CrossAccountDx | None) -> ProviderMocks:
    mocks = ProviderMocks()
    args = ConnectivityArgs(env="prod", account_id="333333333333", vpc_cidr=IPv4Network("172.24.0.0/20"),
                            azs=["eu-west-2a", "eu-west-2b"], transit_gateway_asn=64512,
                            site_supernet=IPv4Network("10.0.0.0/9"), voice_supernet=IPv4Network("100.64.0.0/12"),
                            direct_connect=dx)
    run_program(mocks, "estate", "prod", {}, lambda: declare_component(args))
    return mocks


def only(mocks: EstateMocks, typ: str) -> Any:
    (found,) = [d for d in mocks.declared.values() if d.typ == typ]
    return found


def test_proposal_here_acceptance_in_the_network_account() -> None:
    mocks = declare(DX)
    proposal = only(mocks, "aws:directconnect/gatewayAssociationProposal:GatewayAssociationProposal")
    tgw = only(mocks, "aws:ec2transitgateway/transitGateway:TransitGateway")
    assert proposal.inputs["dxGatewayId"] == DX.gateway_id
    assert proposal.inputs["dxGatewayOwnerAccountId"] == DX.owner_account_id
    assert proposal.inputs["associatedGatewayId"] == tgw.id
    assert proposal.inputs["allowedPrefixes"] == ["172.24.0.0/20"]
    assert mocks.providers[proposal.name] == ""  # this account's default provider
    association = only(mocks, "aws:directconnect/gatewayAssociation:GatewayAssociation")
    assert association.inputs["proposalId"] == proposal.id
    assert association.inputs["associatedGatewayOwnerAccountId"] == "333333333333"
    assert "associatedGatewayId" not in association.inputs  # accepting a proposal, not associating locally
    provider = only(mocks, "pulumi:providers:aws")
    assert mocks.providers[association.name].startswith(provider.urn or "urn:") and \
        mocks.providers[association.name].endswith(f"::{provider.id}")
    assert json.loads(provider.inputs["allowedAccountIds"]) == [DX.owner_account_id]
    assert [r["roleArn"] for r in json.loads(provider.inputs["assumeRoles"])] == [DX.role_arn]


def test_no_gateway_no_association() -> None:
    mocks = declare(None)
    assert not [d for d in mocks.declared.values() if "directconnect" in d.typ or d.typ.startswith("pulumi:providers")]


def test_public_subnets_do_not_overlap_the_rest() -> None:
    for cidr in ("172.24.0.0/20", "172.24.0.0/16", "172.24.0.0/22"):
        carved = carve(IPv4Network(cidr), 3)
        every = [*carved.workload, *carved.tgw, *carved.public]
        assert all(net.subnet_of(IPv4Network(cidr)) for net in every)
        assert all(not a.overlaps(b) for i, a in enumerate(every) for b in every[i + 1:]), cidr


def settings_with(**changes: object) -> dict[str, str]:
    values = read_stack_config(FIXTURE_PROJECT, "prod")
    for key, value in changes.items():
        if value is None:
            values.pop(f"estate:{key}")
        else:
            values[f"estate:{key}"] = json.dumps(value)
    return values


def test_gateway_needs_its_owner_account() -> None:
    with pytest.raises(SettingsError, match=r"estate:networkAccount .* is needed with "
                                            r"estate:network.directConnectGatewayId"):
        parse_settings("prod", settings_with(networkAccount=None))
    with pytest.raises(SettingsError, match=r"estate:networkAccount: .*roleArn .* is not in accountId 444444444444"):
        parse_settings("prod", settings_with(networkAccount={
            "accountId": "444444444444", "roleArn": "arn:aws:iam::555555555555:role/x"}))
    with pytest.raises(SettingsError, match=r"estate:networkAccount.roleArn: String should match"):
        parse_settings("prod", settings_with(networkAccount={"accountId": "444444444444", "roleArn": "admin"}))


def test_network_account_is_another_account(sample_inventory: Inventory) -> None:
    own = parse_settings("prod", settings_with(networkAccount={
        "accountId": "333333333333", "roleArn": "arn:aws:iam::333333333333:role/x"}))
    with pytest.raises(SettingsError, match=r"estate:networkAccount.accountId: 333333333333 is this stack's own"):
        check_against_inventory(own, sample_inventory)
    check_against_inventory(parse_settings("prod", read_stack_config(FIXTURE_PROJECT, "prod")), sample_inventory)


def test_vpc_must_not_overlap_the_phones(sample_inventory: Inventory) -> None:
    values = read_stack_config(FIXTURE_PROJECT, "dev")
    network = json.loads(values["estate:network"]) | {"vpcCidr": "100.88.0.0/20"}
    settings = parse_settings("dev", {**values, "estate:network": json.dumps(network)})
    with pytest.raises(SettingsError, match=r"estate:network.vpcCidr: .* overlaps the phones' voice_supernet"):
        check_against_inventory(settings, sample_inventory)
