#!/usr/bin/env python3
"""Generate trailq's bundled sample trail: one week of CloudTrail S3 objects for two accounts.

    python scripts/make_sample.py [--out DIR]      (default: src/trailq/data/sample)

The week is Monday 14 July 2025 to Sunday 20 July 2025 (UTC): the week IAM Identity Center began
changing its sign-in records from the `Unknown` + `userName` shape to the `IdentityCenterUser`
shape, so both shapes appear (older on 14-16 July, newer from 17 July). Accounts:
111122223333 (management / identity account: IAM users, root, Identity Center) and
444455556666 (production). Regions: us-east-1, us-east-2, eu-west-1, ap-southeast-2, plus
eu-north-1 in the management account for one IAM user sign-in. About 20,000 records of background
API traffic surround the sign-in stories that the built-in catalog finds (listed in STORIES and
in docs/catalog.md).

Record shapes follow the documented facts in the project's research notes (CloudTrail user guide:
record contents, userIdentity, console sign-in events; IAM Identity Center sign-in events);
every record is written here. Only the standard library is used. Output is byte-identical on every
run: a fixed random seed, insertion-ordered JSON, and gzip with mtime 0 and no file name.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import string
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

UTC = timezone.utc
WEEK_START = datetime(2025, 7, 14, tzinfo=UTC)
DAYS = 7
SEED = 20250714
BACKGROUND_RECORDS = 19_600
BLOCK_HOURS = 6  # one S3 object per account, region and six hours

MGMT = "111122223333"
PROD = "444455556666"
IDENTITY_STORE = "d-9067a1b2c3"
IDENTITY_STORE_ARN = "arn:aws:identitystore::111122223333:identitystore/d-9067a1b2c3"
SSO_ADMIN_ROLE = "AWSReservedSSO_AdministratorAccess_3f2a9c1d7e6b5a40"
SSO_READONLY_ROLE = "AWSReservedSSO_ReadOnlyAccess_8b1e4d2c9a7f6e31"

BROWSER_UA = {
    "mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36",
    "win": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0",
    "linux": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/137.0.0.0 Safari/537.36",
    "scanner": "python-requests/2.31.0",
}
SDK_UA = [
    "Boto3/1.39.4 md/Botocore#1.39.4 ua/2.1 os/linux#6.8.0 md/arch#x86_64 lang/python#3.12.3 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.39.4",
    "aws-cli/2.27.50 md/awscrt#0.26.1 ua/2.1 os/macos#24.5.0 md/arch#arm64 lang/python#3.13.4 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe sid/9f1c prompt/off command/ec2.describe-instances",
    "aws-sdk-go-v2/1.36.5 ua/2.1 os/linux lang/go#1.24.4 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.226.0",
    "aws-sdk-js/3.840.0 ua/2.1 os/linux#5.10.238 lang/js md/nodejs#22.16.0 api/dynamodb#3.840.0",
    "Terraform/1.12.2 (+https://www.terraform.io) terraform-provider-aws/6.3.0 (+https://registry.terraform.io/providers/hashicorp/aws)",
]
CONSOLE_UA = "AWS Internal"


@dataclass(frozen=True)
class Actor:
    """Who makes background calls: their userIdentity, source IP and user agents."""

    identity: dict
    account: str
    ip: str
    agents: tuple[str, ...]
    weight: int
    regions: tuple[str, ...]
    services: tuple[str, ...]  # keys of API_CALLS this actor uses


@dataclass
class Trail:
    """Records per (account, region); written out as S3 objects at the end."""

    rng: random.Random
    records: dict[tuple[str, str], list[dict]] = field(default_factory=dict)

    def add(self, record: dict) -> dict:
        self.records.setdefault((record["recipientAccountId"], record["awsRegion"]), []).append(record)
        return record

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


# --- userIdentity shapes ---------------------------------------------------------------------

def iam_user(account: str, name: str, principal: str, access_key: str | None = None) -> dict:
    ident = {"type": "IAMUser", "principalId": principal, "arn": f"arn:aws:iam::{account}:user/{name}",
             "accountId": account, "userName": name}
    if access_key:
        ident["accessKeyId"] = access_key
    return ident


def root(account: str) -> dict:
    return {"type": "Root", "principalId": account, "arn": f"arn:aws:iam::{account}:root", "accountId": account,
            "accessKeyId": ""}


def assumed_role(account: str, role: str, session: str, role_id: str, *, path: str = "/", mfa: bool = False,
                 created: str = "2025-07-14T00:00:00Z", access_key: str = "ASIAQEXAMPLESESSION1") -> dict:
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        "accountId": account,
        "accessKeyId": access_key,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": role_id, "arn": f"arn:aws:iam::{account}:role{path}{role}",
                              "accountId": account, "userName": role},
            "attributes": {"creationDate": created, "mfaAuthenticated": "true" if mfa else "false"},
        },
    }


def aws_service(service: str) -> dict:
    return {"type": "AWSService", "invokedBy": service}


# --- background API calls ----------------------------------------------------------------------
# (eventSource, eventName, readOnly, global): global calls (IAM, STS global endpoint) are recorded
# in us-east-1 whatever region the caller works in.
API_CALLS: dict[str, list[tuple[str, str, bool, bool]]] = {
    "ec2": [("ec2.amazonaws.com", n, True, False) for n in
            ("DescribeInstances", "DescribeSecurityGroups", "DescribeVolumes", "DescribeSubnets", "DescribeVpcs",
             "DescribeInstanceStatus", "DescribeNetworkInterfaces", "DescribeImages")]
           + [("ec2.amazonaws.com", "CreateTags", False, False), ("ec2.amazonaws.com", "RunInstances", False, False),
              ("ec2.amazonaws.com", "TerminateInstances", False, False)],
    "s3": [("s3.amazonaws.com", n, True, False) for n in
           ("ListBuckets", "GetBucketLocation", "GetBucketAcl", "GetBucketPolicy", "GetBucketVersioning",
            "GetBucketEncryption", "GetBucketPublicAccessBlock")] + [("s3.amazonaws.com", "PutBucketTagging", False, False)],
    "iam": [("iam.amazonaws.com", n, True, True) for n in
            ("ListRoles", "GetRole", "ListUsers", "GetUser", "ListAttachedRolePolicies", "GetPolicyVersion",
             "ListMFADevices", "GetAccountSummary")] + [("iam.amazonaws.com", "UpdateAssumeRolePolicy", False, True)],
    "sts": [("sts.amazonaws.com", "GetCallerIdentity", True, False), ("sts.amazonaws.com", "AssumeRole", False, False)],
    "kms": [("kms.amazonaws.com", "Decrypt", True, False), ("kms.amazonaws.com", "GenerateDataKey", True, False),
            ("kms.amazonaws.com", "DescribeKey", True, False)],
    "logs": [("logs.amazonaws.com", "CreateLogStream", False, False), ("logs.amazonaws.com", "DescribeLogGroups", True, False),
             ("logs.amazonaws.com", "StartQuery", True, False), ("logs.amazonaws.com", "GetQueryResults", True, False)],
    "lambda": [("lambda.amazonaws.com", n, True, False) for n in ("ListFunctions20150331", "GetFunction20150331v2")]
              + [("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", False, False)],
    "ssm": [("ssm.amazonaws.com", "GetParameter", True, False), ("ssm.amazonaws.com", "GetParameters", True, False),
            ("ssm.amazonaws.com", "UpdateInstanceInformation", False, False)],
    "dynamodb": [("dynamodb.amazonaws.com", "DescribeTable", True, False), ("dynamodb.amazonaws.com", "ListTables", True, False)],
    "ecr": [("ecr.amazonaws.com", "GetAuthorizationToken", True, False), ("ecr.amazonaws.com", "BatchGetImage", True, False)],
    "ecs": [("ecs.amazonaws.com", "DescribeServices", True, False), ("ecs.amazonaws.com", "UpdateService", False, False)],
    "secrets": [("secretsmanager.amazonaws.com", "GetSecretValue", True, False)],
    "cloudwatch": [("monitoring.amazonaws.com", "DescribeAlarms", True, False), ("monitoring.amazonaws.com", "GetMetricData", True, False)],
    "config": [("config.amazonaws.com", "PutEvaluations", False, False), ("config.amazonaws.com", "DescribeConfigRules", True, False)],
    "rds": [("rds.amazonaws.com", "DescribeDBInstances", True, False)],
    "cloudtrail": [("cloudtrail.amazonaws.com", "LookupEvents", True, False), ("cloudtrail.amazonaws.com", "DescribeTrails", True, False)],
}
DENIED = {  # how a refused call of each service reports it
    "ec2.amazonaws.com": ("Client.UnauthorizedOperation", "You are not authorized to perform this operation."),
}


def make_actors() -> list[Actor]:
    mgmt_regions = ("us-east-1", "us-east-2", "eu-west-1")
    prod_regions = ("us-east-1", "eu-west-1", "ap-southeast-2")
    console = (CONSOLE_UA,)
    return [
        Actor(iam_user(MGMT, "alice", "AIDAQEXAMPLEALICE001", "ASIAQEXAMPLEALICE001"), MGMT, "198.51.100.10", console + (SDK_UA[1],), 5,
              mgmt_regions, ("ec2", "s3", "iam", "cloudwatch", "logs", "cloudtrail")),
        Actor(iam_user(MGMT, "bob", "AIDAQEXAMPLEBOB00002", "ASIAQEXAMPLEBOB00002"), MGMT, "198.51.100.11", console, 3,
              mgmt_regions, ("ec2", "iam", "s3", "config")),
        Actor(iam_user(MGMT, "carol", "AIDAQEXAMPLECAROL003", "ASIAQEXAMPLECAROL003"), MGMT, "203.0.113.25", console + (SDK_UA[1],), 3,
              mgmt_regions, ("ec2", "cloudwatch", "logs", "dynamodb")),
        Actor(iam_user(MGMT, "svc-reporting", "AIDAQEXAMPLEREPORT04", "AKIAQEXAMPLEREPORT04"), MGMT, "192.0.2.10", (SDK_UA[0],), 8,
              ("us-east-1",), ("cloudwatch", "s3", "ec2", "cloudtrail")),
        Actor(assumed_role(MGMT, SSO_ADMIN_ROLE, "maria.garcia@example.com", "AROAQEXAMPLESSOADM01",
                           path="/aws-reserved/sso.amazonaws.com/", access_key="ASIAQEXAMPLEMARIA001"), MGMT,
              "198.51.100.12", console, 3, mgmt_regions, ("iam", "s3", "config", "cloudtrail")),
        Actor(aws_service("config.amazonaws.com"), MGMT, "config.amazonaws.com", ("config.amazonaws.com",), 6,
              mgmt_regions, ("config", "s3", "ec2", "iam")),
        Actor(assumed_role(PROD, "GitHubActionsDeploy", "github-actions-orders-api", "AROAQEXAMPLEDEPLOY01",
                           access_key="ASIAQEXAMPLEDEPLOY01"), PROD, "192.0.2.150", (SDK_UA[4], SDK_UA[2]), 10,
              prod_regions, ("ecr", "ecs", "lambda", "s3", "iam", "ec2", "ssm")),
        Actor(assumed_role(PROD, "orders-api-lambda", "orders-api", "AROAQEXAMPLELAMBDA01",
                           access_key="ASIAQEXAMPLELAMBDA01"), PROD, "192.0.2.160", (SDK_UA[3],), 30,
              ("us-east-1", "eu-west-1"), ("dynamodb", "kms", "secrets", "ssm", "logs")),
        Actor(assumed_role(PROD, "ecs-task-billing", "a1b2c3d4e5f6", "AROAQEXAMPLEECSTSK1",
                           access_key="ASIAQEXAMPLEECSTSK1"), PROD, "192.0.2.170", (SDK_UA[2],), 20,
              prod_regions, ("kms", "secrets", "s3", "sts", "dynamodb")),
        Actor(assumed_role(PROD, SSO_READONLY_ROLE, "maria.garcia@example.com", "AROAQEXAMPLESSORO01",
                           path="/aws-reserved/sso.amazonaws.com/", access_key="ASIAQEXAMPLEMARIA002"), PROD,
              "198.51.100.12", console, 2, prod_regions, ("ec2", "cloudwatch", "logs", "rds")),
        Actor(aws_service("autoscaling.amazonaws.com"), PROD, "autoscaling.amazonaws.com", ("autoscaling.amazonaws.com",), 4,
              prod_regions, ("ec2",)),
        Actor(aws_service("ecs.amazonaws.com"), PROD, "ecs.amazonaws.com", ("ecs.amazonaws.com",), 4, prod_regions, ("sts", "ec2")),
    ]


def envelope(trail: Trail, when: datetime, identity: dict, source: str, name: str, region: str, ip: str,
             agent: str, account: str, *, event_type: str = "AwsApiCall", read_only: bool | None = True,
             request: dict | None = None, response: dict | None = None, error_code: str | None = None,
             error_message: str | None = None, extra: dict | None = None) -> dict:
    """One record in CloudTrail's field order (eventVersion first, recipientAccountId near the end)."""
    record: dict = {
        "eventVersion": "1.11" if event_type == "AwsApiCall" else "1.08",
        "userIdentity": identity,
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": agent,
    }
    if error_code:
        record["errorCode"] = error_code
    if error_message:
        record["errorMessage"] = error_message
    record["requestParameters"] = request
    record["responseElements"] = response
    extra = dict(extra or {})
    for key in ("additionalEventData", "serviceEventDetails"):
        if key in extra:
            record[key] = extra.pop(key)
    record["requestID"] = trail.uuid()
    record["eventID"] = trail.uuid()
    if read_only is not None:
        record["readOnly"] = read_only
    record["eventType"] = event_type
    record["managementEvent"] = True
    record["recipientAccountId"] = account
    if extra:
        record.update(extra)
    record["eventCategory"] = "Management"
    if event_type in ("AwsApiCall", "AwsConsoleSignIn"):
        host = "signin.aws.amazon.com" if source == "signin.amazonaws.com" else f"{source.split('.')[0]}.{region}.amazonaws.com"
        if source == "signin.amazonaws.com" and region != "us-east-1":
            host = f"{region}.signin.aws.amazon.com"
        record["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                                "clientProvidedHostHeader": host}
    return record


def request_for(rng: random.Random, name: str, account: str, region: str) -> dict | None:
    """Small, plausible requestParameters; None for calls that take none."""
    if name.startswith("Describe") or name.startswith("List") or name in ("GetCallerIdentity", "GetAccountSummary", "ListBuckets"):
        return None if rng.random() < 0.6 else {"maxResults": rng.choice([50, 100, 1000])}
    if name in ("GetBucketLocation", "GetBucketAcl", "GetBucketPolicy", "GetBucketVersioning", "GetBucketEncryption",
                "GetBucketPublicAccessBlock", "PutBucketTagging"):
        bucket = rng.choice(["orders-artifacts-444455556666", "billing-exports-111122223333", "cloudtrail-logs-111122223333"])
        return {"bucketName": bucket, "Host": f"{bucket}.s3.{region}.amazonaws.com"}
    if name in ("Decrypt", "GenerateDataKey", "DescribeKey"):
        return {"keyId": f"arn:aws:kms:{region}:{account}:key/{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                "encryptionAlgorithm": "SYMMETRIC_DEFAULT"} if name != "DescribeKey" else {"keyId": "alias/orders"}
    if name in ("GetParameter", "GetParameters"):
        return {"name": rng.choice(["/orders/db/host", "/orders/feature-flags", "/billing/api-url"]), "withDecryption": True}
    if name == "GetSecretValue":
        return {"secretId": rng.choice(["prod/orders/db", "prod/billing/stripe"])}
    if name == "AssumeRole":
        return {"roleArn": f"arn:aws:iam::{account}:role/ecs-task-billing", "roleSessionName": "a1b2c3d4e5f6",
                "durationSeconds": 3600}
    if name in ("GetRole", "ListAttachedRolePolicies", "UpdateAssumeRolePolicy"):
        return {"roleName": rng.choice(["orders-api-lambda", "ecs-task-billing", "GitHubActionsDeploy"])}
    if name in ("GetUser", "ListMFADevices"):
        return {"userName": rng.choice(["alice", "bob", "carol", "svc-reporting"])}
    if name == "DescribeTable":
        return {"tableName": rng.choice(["orders", "customers", "invoices"])}
    if name == "CreateLogStream":
        return {"logGroupName": "/aws/lambda/orders-api", "logStreamName": f"2025/07/1{rng.randint(4, 9)}/[$LATEST]{rng.getrandbits(64):016x}"}
    return {}


def background(trail: Trail, actors: list[Actor], count: int) -> None:
    rng = trail.rng
    weights = [a.weight for a in actors]
    for _ in range(count):
        actor = rng.choices(actors, weights)[0]
        day = rng.randrange(DAYS)
        # People work office hours; machines run around the clock.
        human = actor.identity["type"] == "IAMUser" and actor.identity.get("userName") != "svc-reporting" or \
            actor.identity.get("arn", "").find("AWSReservedSSO") >= 0
        hour = rng.randint(7, 18) if human else rng.randrange(24)
        when = WEEK_START + timedelta(days=day, hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))
        source, name, read_only, is_global = rng.choice(API_CALLS[rng.choice(actor.services)])
        account = actor.account
        region = "us-east-1" if is_global else rng.choice(actor.regions)
        agent = rng.choice(actor.agents)
        extra: dict = {}
        code = message = None
        if actor.identity["type"] == "AWSService":
            extra["sharedEventID"] = trail.uuid()
        elif agent == CONSOLE_UA:
            extra["sessionCredentialFromConsole"] = "true"
        if rng.random() < 0.025 and actor.identity["type"] != "AWSService":
            code, message = DENIED.get(source, ("AccessDenied", f"User: {actor.identity['arn']} is not authorized to perform: "
                                                               f"{source.split('.')[0]}:{name} because no identity-based policy allows the action"))
        response = None if read_only or code else {}
        trail.add(envelope(trail, when, actor.identity, source, name, region, actor.ip, agent, account,
                           read_only=read_only, request=request_for(rng, name, account, region),
                           response=response, error_code=code, error_message=message, extra=extra))


# --- sign-in records -------------------------------------------------------------------------

def console_login(trail: Trail, when: datetime, identity: dict, account: str, region: str, ip: str, agent: str,
                  *, success: bool, mfa: str | None = None, mfa_device: str | None = None, error: str | None = None,
                  login_to: str = "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
                  extra_data: dict | None = None) -> dict:
    data: dict = {"LoginTo": login_to, "MobileVersion": "No"}
    if mfa_device:
        data["MFAIdentifier"] = mfa_device
    if mfa is not None:
        data["MFAUsed"] = mfa
    data.update(extra_data or {})
    # A failed sign-in carries errorMessage and no errorCode.
    return trail.add(envelope(trail, when, identity, "signin.amazonaws.com", "ConsoleLogin", region, ip, agent, account,
                              event_type="AwsConsoleSignIn", read_only=False, request=None,
                              response={"ConsoleLogin": "Success" if success else "Failure"},
                              error_message=None if success else (error or "Failed authentication"),
                              extra={"additionalEventData": data}))


def failed_user(account: str, name: str, principal: str | None) -> dict:
    """The thin userIdentity of a failed IAM user sign-in: no arn, an empty accessKeyId."""
    ident: dict = {"type": "IAMUser"}
    if principal:
        ident["principalId"] = principal
    ident.update(accountId=account, accessKeyId="", userName=name)
    return ident


def user_sign_ins(trail: Trail) -> None:
    """Weekday sign-ins of the management account's IAM users, recorded in the region AWS picks."""
    rng = trail.rng
    people = [  # name, principal, ip, agent, region the sign-in is recorded in, MFA device or None
        ("alice", "AIDAQEXAMPLEALICE001", "198.51.100.10", BROWSER_UA["mac"], "us-east-1",
         f"arn:aws:iam::{MGMT}:u2f/user/alice/alice-yubikey-KZ3QJ7TN2W5RXH4AB6CDEFGH"),
        ("bob", "AIDAQEXAMPLEBOB00002", "198.51.100.11", BROWSER_UA["win"], "us-east-2", f"arn:aws:iam::{MGMT}:mfa/bob-phone"),
        ("carol", "AIDAQEXAMPLECAROL003", "203.0.113.25", BROWSER_UA["mac"], "ap-southeast-2", f"arn:aws:iam::{MGMT}:mfa/carol"),
    ]
    for day in range(5):
        for name, principal, ip, agent, region, device in people:
            when = WEEK_START + timedelta(days=day, hours=8 if region != "ap-southeast-2" else 0,
                                          minutes=rng.randrange(50), seconds=rng.randrange(60))
            console_login(trail, when, iam_user(MGMT, name, principal), MGMT, region, ip, agent,
                          success=True, mfa="Yes", mfa_device=device)
    # alice once signs in through the Stockholm regional endpoint while travelling.
    console_login(trail, datetime(2025, 7, 18, 14, 2, 11, tzinfo=UTC), iam_user(MGMT, "alice", "AIDAQEXAMPLEALICE001"), MGMT,
                  "eu-north-1", "203.0.113.140", BROWSER_UA["mac"], success=True, mfa="Yes", mfa_device=people[0][5],
                  login_to="https://eu-north-1.console.aws.amazon.com/console/home?region=eu-north-1&state=hashArgs%23&isauthcode=true")
    # carol mistypes her password once, then gets in: a single failure, not a burst.
    console_login(trail, datetime(2025, 7, 15, 0, 3, 40, tzinfo=UTC), failed_user(MGMT, "carol", "AIDAQEXAMPLECAROL003"), MGMT,
                  "ap-southeast-2", "203.0.113.25", BROWSER_UA["mac"], success=False, mfa="No")
    # svc-reporting still has a console password and no MFA device: a finding.
    console_login(trail, datetime(2025, 7, 16, 15, 27, 5, tzinfo=UTC), iam_user(MGMT, "svc-reporting", "AIDAQEXAMPLEREPORT04"),
                  MGMT, "us-east-1", "192.0.2.10", BROWSER_UA["linux"], success=True, mfa="No")
    # A CheckMfa step before bob's Monday sign-in (documented sign-in flow event).
    trail.add(envelope(trail, datetime(2025, 7, 14, 7, 59, 58, tzinfo=UTC), failed_user(MGMT, "bob", "AIDAQEXAMPLEBOB00002"),
                       "signin.amazonaws.com", "CheckMfa", "us-east-2", "198.51.100.11", BROWSER_UA["win"], MGMT,
                       event_type="AwsConsoleSignIn", read_only=False, response={"CheckMfa": "Success"},
                       extra={"additionalEventData": {"MfaType": "Virtual MFA"}}))


def failed_burst(trail: Trail) -> None:
    """Story: 14 failed sign-ins from one address within four minutes, guessing names and passwords."""
    rng = trail.rng
    start = datetime(2025, 7, 16, 2, 10, 4, tzinfo=UTC)
    guesses = ["admin", "alice", "administrator", "alice", "root", "alice", "devops", "alice", "backup", "alice",
               "test", "alice", "ops", "alice"]
    for i, guess in enumerate(guesses):
        when = start + timedelta(seconds=i * 16 + rng.randrange(5))
        if guess == "alice":
            ident, error = failed_user(MGMT, "alice", "AIDAQEXAMPLEALICE001"), "Failed authentication"
        else:
            ident, error = failed_user(MGMT, "HIDDEN_DUE_TO_SECURITY_REASONS", None), "No username found in supplied account"
        console_login(trail, when, ident, MGMT, "us-east-1", "203.0.113.77", BROWSER_UA["scanner"], success=False, mfa="No",
                      error=error)


def unknown_user_failure(trail: Trail) -> None:
    """Story: someone types an unknown user name (a password in the name box?) at the Ohio endpoint."""
    console_login(trail, datetime(2025, 7, 18, 10, 41, 19, tzinfo=UTC), failed_user(MGMT, "HIDDEN_DUE_TO_SECURITY_REASONS", None),
                  MGMT, "us-east-2", "192.0.2.200", BROWSER_UA["win"], success=False, mfa="No",
                  error="No username found in supplied account")


def root_story(trail: Trail) -> None:
    """Story: the management account's root user signs in without MFA and looks around; plus a service
    acting for root (invokedBy) and root's PasswordUpdated, which CIS root-usage does or does not count."""
    when = datetime(2025, 7, 17, 9, 42, 31, tzinfo=UTC)
    ip, agent = "198.51.100.99", BROWSER_UA["win"]
    console_login(trail, when, root(MGMT), MGMT, "us-east-1", ip, agent, success=True, mfa="No")
    calls = [("iam.amazonaws.com", "GetAccountSummary", True), ("iam.amazonaws.com", "ListUsers", True),
             ("iam.amazonaws.com", "ListMFADevices", True), ("iam.amazonaws.com", "CreateAccessKey", False),
             ("iam.amazonaws.com", "DeleteAccessKey", False), ("billingconsole.amazonaws.com", "GetBillingDetails", True)]
    # Calls made in the console carry invokedBy "signin.amazonaws.com": the CIS root-usage filter
    # (invokedBy NOT EXISTS) does not see them, root-activity does.
    in_console = dict(root(MGMT), invokedBy="signin.amazonaws.com")
    for i, (source, name, read_only) in enumerate(calls):
        trail.add(envelope(trail, when + timedelta(minutes=2 + 3 * i), in_console, source, name, "us-east-1", ip, CONSOLE_UA,
                           MGMT, read_only=read_only, request={} if not read_only else None,
                           response={} if not read_only else None, extra={"sessionCredentialFromConsole": "true"}))
    trail.add(envelope(trail, when + timedelta(minutes=25), root(MGMT), "signin.amazonaws.com", "PasswordUpdated", "us-east-1",
                       ip, agent, MGMT, event_type="AwsConsoleSignIn", read_only=False, response={"PasswordUpdated": "Success"}))
    invoked = dict(root(MGMT), invokedBy="support.amazonaws.com")
    trail.add(envelope(trail, when + timedelta(minutes=31), invoked, "support.amazonaws.com", "DescribeCases", "us-east-1",
                       "support.amazonaws.com", "support.amazonaws.com", MGMT))
    # A failed root attempt earlier in the week from the same browser (wrong password).
    console_login(trail, datetime(2025, 7, 15, 18, 5, 2, tzinfo=UTC), root(MGMT), MGMT, "us-east-1", ip, agent,
                  success=False, mfa="No")


def switch_role_story(trail: Trail) -> None:
    """Story: bob switches from the management account into the production account's ProdAdmin role."""
    when = datetime(2025, 7, 15, 13, 20, 48, tzinfo=UTC)
    shared = trail.uuid()
    session_ident = {"type": "AssumedRole", "principalId": "AROAQEXAMPLEPRODADM1:bob",
                     "arn": f"arn:aws:sts::{PROD}:assumed-role/ProdAdmin/bob", "accountId": PROD}
    # The source account's AssumeRole, made for bob by the console.
    caller = dict(iam_user(MGMT, "bob", "AIDAQEXAMPLEBOB00002", "ASIAQEXAMPLEBOB00002"), invokedBy="AWS Internal")
    assume_request = {"roleArn": f"arn:aws:iam::{PROD}:role/ProdAdmin", "roleSessionName": "bob", "durationSeconds": 3600}
    trail.add(envelope(trail, when, caller, "sts.amazonaws.com", "AssumeRole", "us-east-1", "AWS Internal", "AWS Internal", MGMT,
                       read_only=True, request=assume_request, response=None,
                       extra={"resources": [{"accountId": PROD, "type": "AWS::IAM::Role", "ARN": f"arn:aws:iam::{PROD}:role/ProdAdmin"}],
                              "sharedEventID": shared}))
    # The target account's copy of the AssumeRole and the SwitchRole sign-in event.
    trail.add(envelope(trail, when, {"type": "AWSAccount", "principalId": "AIDAQEXAMPLEBOB00002", "accountId": MGMT},
                       "sts.amazonaws.com", "AssumeRole", "us-east-1", "AWS Internal", "AWS Internal", PROD,
                       read_only=True, request=assume_request, response=None, extra={"sharedEventID": shared}))
    trail.add(envelope(trail, when, session_ident, "signin.amazonaws.com", "SwitchRole", "us-east-1", "198.51.100.11",
                       BROWSER_UA["win"], PROD, event_type="AwsConsoleSignIn", read_only=False,
                       response={"SwitchRole": "Success"},
                       extra={"additionalEventData": {"SwitchFrom": f"arn:aws:iam::{MGMT}:user/bob",
                                                      "RedirectTo": "https://console.aws.amazon.com/console/home"}}))
    # What bob did as ProdAdmin.
    acting = assumed_role(PROD, "ProdAdmin", "bob", "AROAQEXAMPLEPRODADM1", mfa=True, created="2025-07-15T13:20:48Z",
                          access_key="ASIAQEXAMPLEBOBPROD1")
    for i, (source, name, ro) in enumerate([("ec2.amazonaws.com", "DescribeInstances", True),
                                           ("ec2.amazonaws.com", "DescribeSecurityGroups", True),
                                           ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", False),
                                           ("rds.amazonaws.com", "DescribeDBInstances", True)]):
        trail.add(envelope(trail, when + timedelta(minutes=1 + 2 * i), acting, source, name, "eu-west-1", "198.51.100.11",
                           CONSOLE_UA, PROD, read_only=ro, request=None if ro else {"groupId": "sg-0a1b2c3d4e5f60718"},
                           response=None if ro else {"_return": True}, extra={"sessionCredentialFromConsole": "true"}))


def identity_center_steps(trail: Trail, when: datetime, *, new_shape: bool, user: str, user_id: str, ip: str,
                          factors: list[tuple[str, bool]], region: str = "us-east-1") -> datetime:
    """One Identity Center sign-in: a challenge and a verification per factor, then UserAuthentication
    when every factor passed. Older shape: type Unknown with userName; newer: IdentityCenterUser."""
    workflow = trail.uuid()
    if new_shape:
        authenticated = {"type": "IdentityCenterUser", "accountId": MGMT,
                         "onBehalfOf": {"userId": user_id, "identityStoreArn": IDENTITY_STORE_ARN},
                         "credentialId": trail.uuid()}
        before = {"type": "Unknown", "accountId": MGMT}
    else:
        authenticated = before = {"type": "Unknown", "principalId": MGMT, "arn": "", "accountId": MGMT,
                                  "accessKeyId": "", "userName": user}
    passed: list[str] = []
    for index, (credential, ok) in enumerate(factors):
        # The first factor is answered before the user is known to be who they say; later ones after.
        ident = before if index == 0 else authenticated
        for name, outcome in (("CredentialChallenge", True), ("CredentialVerification", ok)):
            data = {"AuthWorkflowID": workflow, "CredentialType": credential}
            if new_shape:
                data["UserName"] = user
            trail.add(envelope(trail, when, ident, "signin.amazonaws.com", name, region, ip, BROWSER_UA["mac"], MGMT,
                               event_type="AwsServiceEvent", read_only=False, response=None,
                               extra={"additionalEventData": data,
                                      "serviceEventDetails": {name: "Success" if outcome else "Failure"}}))
            when += timedelta(seconds=6)
        if not ok:
            return when  # no UserAuthentication after a failed factor
        passed.append(credential)
    data = {"AuthWorkflowID": workflow, "LoginTo": f"https://{IDENTITY_STORE}.awsapps.com/start/", "CredentialType": ",".join(passed)}
    if new_shape:
        data["UserName"] = user
    trail.add(envelope(trail, when, authenticated, "signin.amazonaws.com", "UserAuthentication", region, ip, BROWSER_UA["mac"],
                       MGMT, event_type="AwsServiceEvent", read_only=False, response=None,
                       extra={"additionalEventData": data, "serviceEventDetails": {"UserAuthentication": "Success"}}))
    return when


def portal_console_session(trail: Trail, when: datetime, account: str, role: str, role_id: str, user: str, ip: str,
                           region: str) -> None:
    """The access portal opens an account console: GetSigninToken, then the role session's ConsoleLogin."""
    ident = assumed_role(account, role, user, role_id, path="/aws-reserved/sso.amazonaws.com/",
                         created=when.strftime("%Y-%m-%dT%H:%M:%SZ"), access_key="ASIAQEXAMPLEPORTAL01")
    trail.add(envelope(trail, when, ident, "signin.amazonaws.com", "GetSigninToken", region, ip,
                       "Jersey/${project.version} (HttpUrlConnection 17.0.15)", account, event_type="AwsApiCall",
                       read_only=False, response={"GetSigninToken": "Success", "credentials": {"accessKeyId": "ASIAQEXAMPLEPORTAL01"}}))
    console_login(trail, when + timedelta(seconds=3), ident, account, region, ip, BROWSER_UA["mac"], success=True, mfa="No",
                  login_to="https://console.aws.amazon.com/console/home")


def identity_center_story(trail: Trail) -> None:
    """Story: maria signs in through Identity Center each day (older record shape 14-16 July, newer from 17 July),
    fails her TOTP once, and opens both accounts' consoles from the access portal."""
    user, user_id, ip = "maria.garcia@example.com", "94d8e4a8-3071-70a2-6a5b-1f2e3d4c5b6a", "198.51.100.12"
    for day in range(5):
        new_shape = day >= 3
        when = WEEK_START + timedelta(days=day, hours=9, minutes=5 + day)
        if day == 1:  # a wrong TOTP code, then a second attempt that works
            when = identity_center_steps(trail, when, new_shape=new_shape, user=user, user_id=user_id, ip=ip,
                                         factors=[("PASSWORD", True), ("TOTP", False)]) + timedelta(seconds=40)
        when = identity_center_steps(trail, when, new_shape=new_shape, user=user, user_id=user_id, ip=ip,
                                     factors=[("PASSWORD", True), ("TOTP", True)])
        account, role, role_id = (PROD, SSO_READONLY_ROLE, "AROAQEXAMPLESSORO01") if day % 2 else (MGMT, SSO_ADMIN_ROLE, "AROAQEXAMPLESSOADM01")
        portal_console_session(trail, when + timedelta(seconds=20), account, role, role_id, user, ip, "us-east-1")
    # An unknown Identity Center user name (newer shape): typed name hidden, password rejected.
    trail.add(envelope(trail, datetime(2025, 7, 19, 22, 14, 9, tzinfo=UTC), {"type": "Unknown", "accountId": MGMT},
                       "signin.amazonaws.com", "CredentialVerification", "us-east-1", "203.0.113.77", BROWSER_UA["scanner"],
                       MGMT, event_type="AwsServiceEvent", read_only=False, response=None,
                       extra={"additionalEventData": {"AuthWorkflowID": trail.uuid(), "CredentialType": "PASSWORD",
                                                      "UserName": "HIDDEN_DUE_TO_SECURITY_REASONS"},
                              "serviceEventDetails": {"CredentialVerification": "Failure"}}))


def takeover_story(trail: Trail) -> None:
    """Story: bob resets contractor erin's console password; minutes later "erin" signs in from an
    address never seen before, without MFA, and creates herself an access key."""
    when = datetime(2025, 7, 17, 13, 5, 12, tzinfo=UTC)
    bob = iam_user(MGMT, "bob", "AIDAQEXAMPLEBOB00002", "ASIAQEXAMPLEBOB00003")
    trail.add(envelope(trail, when, bob, "iam.amazonaws.com", "UpdateLoginProfile", "us-east-1", "198.51.100.11", CONSOLE_UA,
                       MGMT, read_only=False, request={"userName": "erin", "passwordResetRequired": False}))
    erin = iam_user(MGMT, "erin", "AIDAQEXAMPLEERIN0005")
    console_login(trail, when + timedelta(minutes=7, seconds=31), erin, MGMT, "us-east-1", "203.0.113.200",
                  BROWSER_UA["linux"], success=True, mfa="No")
    trail.add(envelope(trail, when + timedelta(minutes=14, seconds=2), dict(erin, invokedBy="signin.amazonaws.com"),
                       "iam.amazonaws.com", "CreateAccessKey", "us-east-1", "203.0.113.200", CONSOLE_UA, MGMT,
                       read_only=False, request={"userName": "erin"},
                       response={"accessKey": {"userName": "erin", "accessKeyId": "AKIAQEXAMPLEERIN0001", "status": "Active",
                                               "createDate": "Jul 17, 2025 1:19:14 PM"}}))


def spraying_story(trail: Trail) -> None:
    """Story: one address tries one password against six known user names within four minutes."""
    start = datetime(2025, 7, 18, 3, 30, 9, tzinfo=UTC)
    targets = [("alice", "AIDAQEXAMPLEALICE001"), ("bob", "AIDAQEXAMPLEBOB00002"), ("carol", "AIDAQEXAMPLECAROL003"),
               ("svc-reporting", "AIDAQEXAMPLEREPORT04"), ("erin", "AIDAQEXAMPLEERIN0005"), ("dave", None)]
    for i, (name, principal) in enumerate(targets):
        console_login(trail, start + timedelta(seconds=i * 41 + trail.rng.randrange(7)), failed_user(MGMT, name, principal),
                      MGMT, "us-east-1", "192.0.2.150", BROWSER_UA["scanner"], success=False, mfa="No")


def brute_force_story(trail: Trail) -> None:
    """Story: eight wrong passwords for svc-reporting (console password, no MFA) from one address on
    Saturday night, then a successful sign-in from it."""
    start = datetime(2025, 7, 19, 21, 0, 14, tzinfo=UTC)
    ip = "198.51.100.201"
    for i in range(8):
        console_login(trail, start + timedelta(seconds=i * 55 + trail.rng.randrange(9)),
                      failed_user(MGMT, "svc-reporting", "AIDAQEXAMPLEREPORT04"), MGMT, "us-east-1", ip,
                      BROWSER_UA["scanner"], success=False, mfa="No")
    console_login(trail, start + timedelta(minutes=8, seconds=20), iam_user(MGMT, "svc-reporting", "AIDAQEXAMPLEREPORT04"),
                  MGMT, "us-east-1", ip, BROWSER_UA["scanner"], success=True, mfa="No")


def new_ip_story(trail: Trail) -> None:
    """Story: on Wednesday alice signs in as usual and, within the hour, again from an address she has
    never used (a stolen session or password, or a VPN she forgot)."""
    console_login(trail, datetime(2025, 7, 16, 8, 56, 40, tzinfo=UTC), iam_user(MGMT, "alice", "AIDAQEXAMPLEALICE001"), MGMT,
                  "us-east-1", "203.0.113.150", BROWSER_UA["linux"], success=True, mfa="Yes",
                  mfa_device=f"arn:aws:iam::{MGMT}:u2f/user/alice/alice-yubikey-KZ3QJ7TN2W5RXH4AB6CDEFGH")


STORIES = (user_sign_ins, failed_burst, unknown_user_failure, root_story, switch_role_story, identity_center_story,
           takeover_story, spraying_story, brute_force_story, new_ip_story)


# --- S3 layout -----------------------------------------------------------------------------------

def object_key(account: str, region: str, delivered: datetime, rng: random.Random) -> str:
    suffix = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(16))
    return (f"AWSLogs/{account}/CloudTrail/{region}/{delivered:%Y/%m/%d}/"
            f"{account}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{suffix}.json.gz")


def write(trail: Trail, out: Path) -> int:
    """Write one gzip object per account, region and block; return the number of files written."""
    files = 0
    for (account, region), records in sorted(trail.records.items()):
        blocks: dict[int, list[dict]] = {}
        for record in records:
            when = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            blocks.setdefault(int((when - WEEK_START).total_seconds()) // (BLOCK_HOURS * 3600), []).append(record)
        for block, items in sorted(blocks.items()):
            # Delivered a minute before the block ends; records inside a file are not in time order.
            delivered = WEEK_START + timedelta(hours=BLOCK_HOURS * (block + 1), minutes=-1)
            trail.rng.shuffle(items)
            path = out / object_key(account, region, delivered, trail.rng)
            path.parent.mkdir(parents=True, exist_ok=True)
            body = json.dumps({"Records": items}, separators=(",", ":")).encode()
            path.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))
            files += 1
    return files


def build() -> Trail:
    trail = Trail(random.Random(SEED))
    for story in STORIES:
        story(trail)
    background(trail, make_actors(), BACKGROUND_RECORDS)
    return trail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = Path(__file__).resolve().parent.parent / "src" / "trailq" / "data" / "sample"
    parser.add_argument("--out", type=Path, default=default_out, help="output folder (replaced)")
    args = parser.parse_args(argv)
    if (args.out / "AWSLogs").exists():
        shutil.rmtree(args.out / "AWSLogs")
    trail = build()
    files = write(trail, args.out)
    total = sum(len(r) for r in trail.records.values())
    print(f"wrote {total} records in {files} files under {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
