"""Write ~1,000,000 CloudTrail records (~1 GB of JSON lines) to bench/data/trail.jsonl, deterministically.

Usage: .venv/bin/python bench/generate.py [--records N] [--out PATH]
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

SERVICES = [
    ("s3.amazonaws.com", ["GetObject", "PutObject", "ListBuckets", "HeadObject", "GetBucketAcl"]),
    ("ec2.amazonaws.com", ["DescribeInstances", "RunInstances", "StartInstances", "StopInstances", "DescribeVolumes"]),
    ("iam.amazonaws.com", ["GetUser", "ListRoles", "CreateUser", "AttachRolePolicy", "ListPolicies"]),
    ("sts.amazonaws.com", ["AssumeRole", "GetCallerIdentity", "GetSessionToken"]),
    ("kms.amazonaws.com", ["Decrypt", "GenerateDataKey", "DescribeKey"]),
    ("lambda.amazonaws.com", ["Invoke", "ListFunctions", "GetFunction"]),
    ("dynamodb.amazonaws.com", ["DescribeTable", "ListTables", "Query"]),
]
REGIONS = ["us-east-1", "us-east-2", "eu-west-1", "eu-north-1", "ap-southeast-2"]
ACCOUNTS = ["111122223333", "444455556666"]
USERS = [f"user{i:02d}" for i in range(40)]
ROLES = [f"role-{i:02d}" for i in range(25)]


def record(rng: random.Random, moment: datetime) -> dict:
    account = rng.choice(ACCOUNTS)
    if rng.random() < 0.004:
        user = rng.choice(USERS)
        ok = rng.random() < 0.85
        rec = {
            "eventVersion": "1.08",
            "userIdentity": {"type": "IAMUser", "principalId": f"AIDA{user.upper()}", "arn": f"arn:aws:iam::{account}:user/{user}", "accountId": account, "userName": user},
            "eventTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": "signin.amazonaws.com",
            "eventName": "ConsoleLogin",
            "awsRegion": rng.choice(["us-east-1", "us-east-2", "eu-north-1"]),
            "sourceIPAddress": f"198.51.100.{rng.randrange(256)}",
            "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
            "requestParameters": None,
            "responseElements": {"ConsoleLogin": "Success" if ok else "Failure"},
            "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": rng.choice(["Yes", "No"])},
            "eventID": f"{rng.getrandbits(128):032x}",
            "readOnly": False,
            "eventType": "AwsConsoleSignIn",
            "managementEvent": True,
            "recipientAccountId": account,
            "eventCategory": "Management",
            "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "signin.aws.amazon.com"},
        }
        if not ok:
            rec["errorMessage"] = "Failed authentication"
        return rec
    source, names = rng.choice(SERVICES)
    role = rng.choice(ROLES)
    session = f"{rng.getrandbits(40):010x}"
    rec = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": f"AROA{role.upper()}:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session[:4]}",
            "accountId": account,
            "accessKeyId": f"ASIA{rng.getrandbits(64):016X}",
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": f"AROA{role.upper()}", "arn": f"arn:aws:iam::{account}:role/{role}", "accountId": account, "userName": role},
                "attributes": {"creationDate": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "mfaAuthenticated": "false"},
            },
        },
        "eventTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": rng.choice(names),
        "awsRegion": rng.choice(REGIONS),
        "sourceIPAddress": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
        "userAgent": rng.choice(["aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5", "Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.12.4", "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux"]),
        "requestParameters": {"bucketName": f"bucket-{rng.randrange(30)}", "key": f"data/{rng.getrandbits(32):08x}/part-{rng.randrange(1000):04d}.parquet", "maxResults": rng.randrange(1, 100)},
        "responseElements": None,
        "requestID": f"{rng.getrandbits(64):016X}",
        "eventID": f"{rng.getrandbits(128):032x}",
        "readOnly": rng.random() < 0.7,
        "resources": [{"accountId": account, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::bucket-{rng.randrange(30)}"}],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": f"{source.split('.')[0]}.{rng.choice(REGIONS)}.amazonaws.com"},
    }
    if rng.random() < 0.02:
        rec["errorCode"] = rng.choice(["AccessDenied", "Client.UnauthorizedOperation", "AccessDeniedException", "ThrottlingException"])
        rec["errorMessage"] = "User is not authorized to perform this operation"
    return rec


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--out", default=str(Path(__file__).parent / "data" / "trail.jsonl"))
    args = parser.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20240501)
    start = datetime(2024, 5, 1, tzinfo=timezone.utc)
    step = timedelta(days=7) / args.records
    with open(out, "wb") as handle:
        for i in range(args.records):
            handle.write(orjson.dumps(record(rng, start + step * i)) + b"\n")
    print(f"wrote {args.records} records, {out.stat().st_size / 1e9:.2f} GB to {out}")


if __name__ == "__main__":
    main()
