"""Test support: creates declared AWS resources in moto through boto3, for the stack tests (never
part of the installed package: `estate plan` must run without boto3 or moto).

Each handler turns a resource's engine inputs (camelCase names, numbers as floats) into the AWS
API call the provider would make and returns moto's id and computed outputs. Only resource types
with a handler here are moto-backed; the caller must have started `moto.mock_aws()` (with fake
credentials) before the first `create`.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import boto3

REGION = "eu-west-2"
Handler = Callable[["MotoBackend", str, dict[str, Any]], tuple[str, dict[str, Any]]]
HANDLERS: dict[str, Handler] = {}
SPECIAL_KEYS = {"id": "ID"}  # API names that are not plain PascalCase of the engine names


def handles(typ: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[typ] = fn
        return fn
    return register


def pascal(value: Any) -> Any:
    """Engine inputs to S3 API shapes: camelCase keys to PascalCase, whole floats to ints."""
    if isinstance(value, dict):
        return {SPECIAL_KEYS.get(k, k[:1].upper() + k[1:]): pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class MotoBackend:
    """boto3 clients on the active moto mock; one lock, as the mocks call from several threads."""

    def __init__(self) -> None:
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=REGION)
        return self._clients[service]

    def handles(self, typ: str) -> bool:
        return typ in HANDLERS

    def create(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        with self._lock:
            return HANDLERS[typ](self, name, inputs)


def _int(value: Any) -> int:
    return int(value)


@handles("aws:s3/bucket:Bucket")
def _bucket(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    bucket = i.get("bucket") or name
    m.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION},
                                 ObjectLockEnabledForBucket=bool(i.get("objectLockEnabled")))
    return bucket, {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}", "region": REGION}


@handles("aws:s3/bucketVersioning:BucketVersioning")
def _versioning(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    m.client("s3").put_bucket_versioning(Bucket=i["bucket"], VersioningConfiguration=pascal(
        {"status": i["versioningConfiguration"]["status"]}))
    return i["bucket"], {}


@handles("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
def _encryption(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    rules = []
    for rule in i["rules"]:
        default = rule["applyServerSideEncryptionByDefault"]
        by_default = {"SSEAlgorithm": default["sseAlgorithm"]}
        if default.get("kmsMasterKeyId"):
            by_default["KMSMasterKeyID"] = default["kmsMasterKeyId"]
        rules.append({"ApplyServerSideEncryptionByDefault": by_default,
                      "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled"))})
    m.client("s3").put_bucket_encryption(Bucket=i["bucket"],
                                         ServerSideEncryptionConfiguration={"Rules": rules})
    return i["bucket"], {}


@handles("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
def _public_access(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    keys = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    config = {k[:1].upper() + k[1:].replace("Acls", "Acls"): bool(i.get(k)) for k in keys}
    m.client("s3").put_public_access_block(Bucket=i["bucket"], PublicAccessBlockConfiguration=config)
    return i["bucket"], {}


@handles("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
def _ownership(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    m.client("s3").put_bucket_ownership_controls(Bucket=i["bucket"], OwnershipControls={
        "Rules": [{"ObjectOwnership": i["rule"]["objectOwnership"]}]})
    return i["bucket"], {}


@handles("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
def _lock(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    m.client("s3").put_object_lock_configuration(Bucket=i["bucket"], ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": pascal(i["rule"])})
    return i["bucket"], {"objectLockEnabled": "Enabled"}


@handles("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
def _lifecycle(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    m.client("s3").put_bucket_lifecycle_configuration(
        Bucket=i["bucket"], LifecycleConfiguration={"Rules": pascal(i["rules"])})
    return i["bucket"], {}


@handles("aws:s3/bucketPolicy:BucketPolicy")
def _policy(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    m.client("s3").put_bucket_policy(Bucket=i["bucket"], Policy=i["policy"])
    return i["bucket"], {}


@handles("aws:s3/bucketLogging:BucketLogging")
def _logging(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    m.client("s3").put_bucket_logging(Bucket=i["bucket"], BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": i["targetBucket"], "TargetPrefix": i.get("targetPrefix", "")}})
    return i["bucket"], {}


@handles("aws:kms/key:Key")
def _key(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kms = m.client("kms")
    extra = {"Policy": i["policy"]} if i.get("policy") else {}
    if i.get("bypassPolicyLockoutSafetyCheck"):
        extra["BypassPolicyLockoutSafetyCheck"] = True
    meta = kms.create_key(Description=i.get("description", ""), **extra)["KeyMetadata"]
    if i.get("enableKeyRotation"):
        kms.enable_key_rotation(KeyId=meta["KeyId"],
                                RotationPeriodInDays=_int(i.get("rotationPeriodInDays", 365)))
    return meta["KeyId"], {"keyId": meta["KeyId"], "arn": meta["Arn"]}


@handles("aws:kms/alias:Alias")
def _alias(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    m.client("kms").create_alias(AliasName=i["name"], TargetKeyId=i["targetKeyId"])
    return i["name"], {"arn": f"arn:aws:kms:{REGION}:123456789012:{i['name']}"}


@handles("aws:iam/role:Role")
def _role(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    role = m.client("iam").create_role(
        RoleName=i.get("name", name), AssumeRolePolicyDocument=i["assumeRolePolicy"],
        MaxSessionDuration=_int(i.get("maxSessionDuration", 3600)))["Role"]
    return role["RoleName"], {"name": role["RoleName"], "arn": role["Arn"], "uniqueId": role["RoleId"]}


@handles("aws:iam/rolePolicy:RolePolicy")
def _role_policy(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    policy_name = i.get("name", name)
    m.client("iam").put_role_policy(RoleName=i["role"], PolicyName=policy_name, PolicyDocument=i["policy"])
    return f"{i['role']}:{policy_name}", {"name": policy_name}


@handles("aws:ec2/vpc:Vpc")
def _vpc(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ec2 = m.client("ec2")
    vpc = ec2.create_vpc(CidrBlock=i["cidrBlock"])["Vpc"]
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        if i.get(attribute):
            ec2.modify_vpc_attribute(VpcId=vpc["VpcId"], **{attribute[:1].upper() + attribute[1:]: {"Value": True}})
    return vpc["VpcId"], {"arn": f"arn:aws:ec2:{REGION}:123456789012:vpc/{vpc['VpcId']}"}


@handles("aws:ec2/subnet:Subnet")
def _subnet(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    subnet = m.client("ec2").create_subnet(VpcId=i["vpcId"], CidrBlock=i["cidrBlock"],
                                           AvailabilityZone=i["availabilityZone"])["Subnet"]
    return subnet["SubnetId"], {"arn": subnet.get("SubnetArn", "")}


@handles("aws:ec2/routeTable:RouteTable")
def _route_table(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    table = m.client("ec2").create_route_table(VpcId=i["vpcId"])["RouteTable"]
    return table["RouteTableId"], {}


@handles("aws:ec2/routeTableAssociation:RouteTableAssociation")
def _association(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    found = m.client("ec2").associate_route_table(RouteTableId=i["routeTableId"], SubnetId=i["subnetId"])
    return found["AssociationId"], {}


@handles("aws:ec2/route:Route")
def _route(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    m.client("ec2").create_route(RouteTableId=i["routeTableId"], DestinationCidrBlock=i["destinationCidrBlock"],
                                 TransitGatewayId=i["transitGatewayId"])
    return f"r-{i['routeTableId']}{abs(hash(i['destinationCidrBlock']))}", {}


@handles("aws:ec2transitgateway/transitGateway:TransitGateway")
def _tgw(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    tgw = m.client("ec2").create_transit_gateway(Description=i.get("description", ""), Options={
        "AmazonSideAsn": _int(i["amazonSideAsn"]), "DnsSupport": i.get("dnsSupport", "enable"),
        "VpnEcmpSupport": i.get("vpnEcmpSupport", "enable"),
        "AutoAcceptSharedAttachments": i.get("autoAcceptSharedAttachments", "disable")})["TransitGateway"]
    options = tgw["Options"]
    return tgw["TransitGatewayId"], {
        "arn": tgw["TransitGatewayArn"],
        "associationDefaultRouteTableId": options.get("AssociationDefaultRouteTableId", ""),
        "propagationDefaultRouteTableId": options.get("PropagationDefaultRouteTableId", "")}


@handles("aws:ec2transitgateway/vpcAttachment:VpcAttachment")
def _tgw_attachment(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    found = m.client("ec2").create_transit_gateway_vpc_attachment(
        TransitGatewayId=i["transitGatewayId"], VpcId=i["vpcId"], SubnetIds=i["subnetIds"])
    return found["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"], {}


@handles("aws:ec2/customerGateway:CustomerGateway")
def _cgw(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cgw = m.client("ec2").create_customer_gateway(BgpAsn=_int(i["bgpAsn"]), PublicIp=i["ipAddress"],
                                                  Type=i["type"])["CustomerGateway"]
    return cgw["CustomerGatewayId"], {"arn": f"arn:aws:ec2:{REGION}:123456789012:customer-gateway/"
                                              f"{cgw['CustomerGatewayId']}"}


@handles("aws:ec2/vpnConnection:VpnConnection")
def _vpn(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    vpn = m.client("ec2").create_vpn_connection(
        CustomerGatewayId=i["customerGatewayId"], Type=i["type"], TransitGatewayId=i["transitGatewayId"],
        Options={"StaticRoutesOnly": bool(i.get("staticRoutesOnly"))})["VpnConnection"]
    return vpn["VpnConnectionId"], {}


@handles("aws:ec2/securityGroup:SecurityGroup")
def _security_group(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ec2 = m.client("ec2")
    group = ec2.create_security_group(GroupName=i.get("name", name), Description=i.get("description", "-"),
                                      VpcId=i["vpcId"])["GroupId"]
    # as the provider does: remove AWS's default allow-all egress so only declared rules remain
    ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return group, {"arn": f"arn:aws:ec2:{REGION}:123456789012:security-group/{group}"}


def _permission(i: dict[str, Any]) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": i["ipProtocol"]}
    if i["ipProtocol"] != "-1":
        permission.update(FromPort=_int(i["fromPort"]), ToPort=_int(i["toPort"]))
    description = i.get("description", "")
    if i.get("cidrIpv4"):
        permission["IpRanges"] = [{"CidrIp": i["cidrIpv4"], "Description": description}]
    if i.get("prefixListId"):
        permission["PrefixListIds"] = [{"PrefixListId": i["prefixListId"], "Description": description}]
    if i.get("referencedSecurityGroupId"):
        permission["UserIdGroupPairs"] = [{"GroupId": i["referencedSecurityGroupId"],
                                           "Description": description}]
    return permission


@handles("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
def _ingress(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return _authorize(m.client("ec2").authorize_security_group_ingress, i)


@handles("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
def _egress(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return _authorize(m.client("ec2").authorize_security_group_egress, i)


def _authorize(call: Callable[..., Any], i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    found = call(GroupId=i["securityGroupId"], IpPermissions=[_permission(i)])
    rule: str = found["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    return rule, {"securityGroupRuleId": rule}


@handles("aws:ec2/managedPrefixList:ManagedPrefixList")
def _prefix_list(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    found = m.client("ec2").create_managed_prefix_list(
        PrefixListName=i.get("name", name), AddressFamily=i["addressFamily"], MaxEntries=_int(i["maxEntries"]),
        Entries=[{"Cidr": e["cidr"], "Description": e.get("description", "")} for e in i.get("entries", [])],
    )["PrefixList"]
    return found["PrefixListId"], {"arn": found["PrefixListArn"], "version": 1}


@handles("aws:ec2/launchTemplate:LaunchTemplate")
def _launch_template(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    data: dict[str, Any] = {"ImageId": i["imageId"], "InstanceType": i["instanceType"],
                            "SecurityGroupIds": i.get("vpcSecurityGroupIds", [])}
    if i.get("metadataOptions"):
        data["MetadataOptions"] = pascal(i["metadataOptions"])
    if i.get("tagSpecifications"):
        data["TagSpecifications"] = [
            {"ResourceType": spec["resourceType"], "Tags": [{"Key": k, "Value": v} for k, v in spec["tags"].items()]}
            for spec in i["tagSpecifications"]]
    template = m.client("ec2").create_launch_template(LaunchTemplateName=i.get("name", name),
                                                      LaunchTemplateData=data)["LaunchTemplate"]
    return template["LaunchTemplateId"], {"latestVersion": template["LatestVersionNumber"],
                                          "arn": f"arn:aws:ec2:{REGION}:123456789012:launch-template/"
                                                 f"{template['LaunchTemplateId']}"}


@handles("aws:acm/certificate:Certificate")
def _certificate(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = m.client("acm").request_certificate(
        DomainName=i["domainName"], CertificateAuthorityArn=i["certificateAuthorityArn"])["CertificateArn"]
    return arn, {"arn": arn}


@handles("aws:lb/loadBalancer:LoadBalancer")
def _load_balancer(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    lb = m.client("elbv2").create_load_balancer(
        Name=i["name"], Subnets=i["subnets"], SecurityGroups=i.get("securityGroups", []),
        Scheme="internal" if i.get("internal") else "internet-facing", Type=i["loadBalancerType"],
    )["LoadBalancers"][0]
    arn = lb["LoadBalancerArn"]
    return arn, {"arn": arn, "dnsName": lb["DNSName"], "zoneId": lb["CanonicalHostedZoneId"],
                 "arnSuffix": arn.split(":loadbalancer/")[1]}


@handles("aws:lb/targetGroup:TargetGroup")
def _target_group(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    check = i.get("healthCheck", {})
    group = m.client("elbv2").create_target_group(
        Name=i["name"], Protocol=i["protocol"], Port=_int(i["port"]), VpcId=i["vpcId"],
        TargetType=i.get("targetType", "instance"), HealthCheckProtocol=check.get("protocol", "TCP"),
        HealthCheckPort=check.get("port", "traffic-port"))["TargetGroups"][0]
    arn = group["TargetGroupArn"]
    return arn, {"arn": arn, "arnSuffix": arn.split(":")[-1]}


@handles("aws:lb/listener:Listener")
def _listener(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    extra: dict[str, Any] = {}
    if i.get("certificateArn"):
        extra = {"Certificates": [{"CertificateArn": i["certificateArn"]}], "SslPolicy": i["sslPolicy"]}
    listener = m.client("elbv2").create_listener(
        LoadBalancerArn=i["loadBalancerArn"], Protocol=i["protocol"], Port=_int(i["port"]),
        DefaultActions=[{"Type": a["type"], "TargetGroupArn": a["targetGroupArn"]} for a in i["defaultActions"]],
        **extra)["Listeners"][0]
    return listener["ListenerArn"], {"arn": listener["ListenerArn"]}


@handles("aws:autoscaling/group:Group")
def _asg(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    group = i.get("name", name)
    template = i["launchTemplate"]
    m.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=group, MinSize=_int(i["minSize"]), MaxSize=_int(i["maxSize"]),
        DesiredCapacity=_int(i["desiredCapacity"]), VPCZoneIdentifier=",".join(i["vpcZoneIdentifiers"]),
        LaunchTemplate={"LaunchTemplateId": template["id"], "Version": template.get("version", "$Latest")},
        TargetGroupARNs=i.get("targetGroupArns", []), HealthCheckType=i.get("healthCheckType", "EC2"),
        HealthCheckGracePeriod=_int(i.get("healthCheckGracePeriod", 300)),
        Tags=[{"Key": t["key"], "Value": t["value"], "PropagateAtLaunch": bool(t.get("propagateAtLaunch"))}
              for t in i.get("tags", [])])
    return group, {"name": group, "arn": f"arn:aws:autoscaling:{REGION}:123456789012:autoScalingGroup:"
                                         f"{uuid.uuid4()}:autoScalingGroupName/{group}"}


@handles("aws:route53/zone:Zone")
def _zone(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    vpc = i["vpcs"][0]
    zone = m.client("route53").create_hosted_zone(
        Name=i["name"], CallerReference=str(uuid.uuid4()),
        HostedZoneConfig={"Comment": i.get("comment", ""), "PrivateZone": True},
        VPC={"VPCRegion": vpc.get("vpcRegion", REGION), "VPCId": vpc["vpcId"]})["HostedZone"]
    zone_id = zone["Id"].rsplit("/", 1)[-1]
    return zone_id, {"zoneId": zone_id, "arn": f"arn:aws:route53:::hostedzone/{zone_id}"}


@handles("aws:route53/record:Record")
def _record(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    record: dict[str, Any] = {"Name": i["name"], "Type": i["type"]}
    if i.get("aliases"):
        alias = i["aliases"][0]
        record["AliasTarget"] = {"HostedZoneId": alias["zoneId"], "DNSName": alias["name"],
                                 "EvaluateTargetHealth": bool(alias.get("evaluateTargetHealth"))}
    else:
        record.update(TTL=_int(i["ttl"]), ResourceRecords=[{"Value": v} for v in i["records"]])
    m.client("route53").change_resource_record_sets(
        HostedZoneId=i["zoneId"], ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": record}]})
    return f"{i['zoneId']}_{i['name']}_{i['type']}", {"fqdn": i["name"]}


@handles("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cloudwatch = m.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=i["name"], Namespace=i["namespace"], MetricName=i["metricName"],
        Dimensions=[{"Name": k, "Value": v} for k, v in i.get("dimensions", {}).items()],
        Statistic=i["statistic"], Period=_int(i["period"]), EvaluationPeriods=_int(i["evaluationPeriods"]),
        Threshold=float(i["threshold"]), ComparisonOperator=i["comparisonOperator"],
        TreatMissingData=i.get("treatMissingData", "missing"), AlarmDescription=i.get("alarmDescription", ""))
    arn = cloudwatch.describe_alarms(AlarmNames=[i["name"]])["MetricAlarms"][0]["AlarmArn"]
    return i["name"], {"arn": arn}


@handles("aws:cloudtrail/trail:Trail")
def _trail(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cloudtrail = m.client("cloudtrail")
    trail = cloudtrail.create_trail(
        Name=i["name"], S3BucketName=i["s3BucketName"], S3KeyPrefix=i.get("s3KeyPrefix", ""),
        EnableLogFileValidation=bool(i.get("enableLogFileValidation")),
        IncludeGlobalServiceEvents=bool(i.get("includeGlobalServiceEvents")),
        IsMultiRegionTrail=bool(i.get("isMultiRegionTrail")),
        **({"KmsKeyId": i["kmsKeyId"]} if i.get("kmsKeyId") else {}))
    if i.get("eventSelectors"):
        cloudtrail.put_event_selectors(TrailName=i["name"], EventSelectors=pascal(i["eventSelectors"]))
    return i["name"], {"arn": trail["TrailARN"]}


# moto emulates Connect instances only; the instance's queues, flows, profiles, numbers and
# storage configs stay plain mocks (reported as such, like Chime)
@handles("aws:connect/instance:Instance")
def _connect_instance(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    connect = m.client("connect")
    found = connect.create_instance(
        IdentityManagementType=i["identityManagementType"], InstanceAlias=i.get("instanceAlias", name),
        InboundCallsEnabled=bool(i["inboundCallsEnabled"]), OutboundCallsEnabled=bool(i["outboundCallsEnabled"]),
        Tags=i.get("tags") or {})
    described = connect.describe_instance(InstanceId=found["Id"])["Instance"]
    return found["Id"], {"arn": found["Arn"], "serviceRole": described["ServiceRole"],
                         "status": described["InstanceStatus"]}


@handles("aws:kinesis/stream:Stream")
def _kinesis_stream(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kinesis = m.client("kinesis")
    stream = i.get("name", name)
    mode = (i.get("streamModeDetails") or {}).get("streamMode", "PROVISIONED")
    args: dict[str, Any] = {"StreamName": stream, "StreamModeDetails": {"StreamMode": mode}}
    if mode == "PROVISIONED":
        args["ShardCount"] = int(i.get("shardCount", 1))
    kinesis.create_stream(**args)
    if i.get("encryptionType") == "KMS":
        kinesis.start_stream_encryption(StreamName=stream, EncryptionType="KMS", KeyId=i["kmsKeyId"])
    if i.get("retentionPeriod", 24) > 24:
        kinesis.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=int(i["retentionPeriod"]))
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    return summary["StreamARN"], {"arn": summary["StreamARN"], "name": stream}


# handler modules register themselves through `handles`; imported last, as they import it from here
from tests.stacks import moto_evidence  # noqa: E402, F401
