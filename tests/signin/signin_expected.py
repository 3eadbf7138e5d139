"""Expected rows of every built-in sign-in query over fixtures/signin-shapes.json, written by hand.

Each row lists only the columns the query returns for that record; a column missing from a row
is a field the record does not have (the service omits it too). Fixture ids (F01…F37) say which
record a row comes from; fixtures/README.md describes every record. F36 (root) and F37 (alice) belong
to the second account P: they are other people than root and alice of A, whatever their names.
"""

from __future__ import annotations

A = "123456789012"  # the fixture account
P = "210987654321"  # the SwitchRole target account, and the second account of F36 F37
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
BOT = "python-requests/2.31.0"
JERSEY = "Jersey/${project.version} (HttpUrlConnection 17.0.15)"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
NO_USER = "No username found in supplied account"
BAD_PASSWORD = "Failed authentication"
SSO_JANE = "AWSReservedSSO_AdminAccess_0123456789abcdef/jane@example.com"
KIM_ID = "c4d8f2a0-1111-2222-3333-444455556666"
GLOBAL = "signin.aws.amazon.com"


def ts(minute: int, second: int = 0) -> str:
    """A fixture time (2025-03-10, 08:00 plus `minute`) as GetQueryResults renders @timestamp."""
    return f"2025-03-10 {8 + minute // 60:02d}:{minute % 60:02d}:{second:02d}.000"


def _login(minute, who, kind, outcome, ip, region, *, second=0, mfa=None, account=A, endpoint=GLOBAL, agent=UA, error=None):
    row = {"@timestamp": ts(minute, second), "who": who, "identityType": kind, "outcome": outcome, "mfa": mfa,
           "sourceIPAddress": ip, "awsRegion": region, "account": account, "endpoint": endpoint, "userAgent": agent,
           "errorMessage": error}
    return {k: v for k, v in row.items() if v is not None}


CONSOLE_LOGINS_COLUMNS = ["@timestamp", "who", "identityType", "outcome", "mfa", "sourceIPAddress", "awsRegion", "account",
                          "endpoint", "userAgent", "errorMessage"]
CONSOLE_LOGINS = [
    _login(63, HIDDEN, "IAMUser", "Failure", "203.0.113.66", "us-east-1", second=40, mfa="No", agent=BOT, error=NO_USER),  # F34
    _login(62, "alice", "IAMUser", "Failure", "203.0.113.66", "us-east-1", second=10, mfa="No", agent=BOT, error=BAD_PASSWORD),  # F33
    _login(61, "root", "Root", "Failure", "203.0.113.66", "us-east-1", second=55, mfa="No", account=P, agent=BOT,
           error=BAD_PASSWORD),  # F36: root of the other account, same attacker
    _login(61, HIDDEN, "IAMUser", "Failure", "203.0.113.66", "us-east-1", second=30, mfa="No", agent=BOT, error=NO_USER),  # F32
    _login(60, "alice", "IAMUser", "Failure", "203.0.113.66", "us-east-1", second=50, mfa="No", agent=BOT, error=BAD_PASSWORD),  # F31
    _login(60, HIDDEN, "IAMUser", "Failure", "203.0.113.66", "us-east-1", second=5, mfa="No", agent=BOT, error=NO_USER),  # F30
    _login(29, "alice", "IAMUser", "Success", "192.0.2.1", "us-east-2", mfa="Yes", account=P,
           endpoint="us-east-2.signin.aws.amazon.com"),  # F37: alice of the other account
    # F27: a 2014-style record with no eventType, recipientAccountId or tlsDetails; account falls
    # back to userIdentity.accountId.
    _login(26, "erin", "IAMUser", "Success", "192.0.2.5", "us-east-1", mfa="Yes", endpoint=None),
    _login(11, "broker-lee", "FederatedUser", "Success", "192.0.2.12", "us-east-1", mfa="IdP"),  # F12
    _login(10, "OktaAdmins/kim@example.com", "AssumedRole", "Success", "192.0.2.11", "us-east-1", mfa="IdP"),  # F11 (SAML)
    _login(9, SSO_JANE, "AssumedRole", "Success", "192.0.2.10", "us-west-2", mfa="IdP",
           endpoint="us-west-2.signin.aws.amazon.com"),  # F10 (Identity Center permission set)
    _login(8, "root", "Root", "Failure", "198.51.100.7", "us-east-1", mfa="No", error=BAD_PASSWORD),  # F09
    _login(7, "root", "Root", "Success", "203.0.113.9", "us-east-1", mfa="Yes"),  # F08 (MFAUsed "YES")
    _login(6, "root", "Root", "Success", "203.0.113.9", "us-east-1", mfa="No"),  # F07
    _login(5, HIDDEN, "IAMUser", "Failure", "198.51.100.7", "us-east-2", mfa="No", endpoint="us-east-2.signin.aws.amazon.com",
           error=NO_USER),  # F06
    # F05: MFAUsed "Yes" on a failure says nothing about MFA, but it is what the record holds.
    _login(4, "alice", "IAMUser", "Failure", "198.51.100.7", "us-east-1", mfa="Yes", error=BAD_PASSWORD),
    _login(3, "dave", "IAMUser", "Success", "192.0.2.4", "eu-north-1", endpoint="eu-north-1.signin.aws.amazon.com"),  # F04 no MFAUsed
    _login(2, "carol", "IAMUser", "Success", "192.0.2.3", "ap-southeast-2", mfa="No"),  # F03 eventType AwsConsoleSignin
    _login(1, "bob", "IAMUser", "Success", "192.0.2.2", "us-east-2", mfa="Yes", endpoint="us-east-2.signin.aws.amazon.com"),  # F02
    _login(0, "alice", "IAMUser", "Success", "192.0.2.1", "us-east-1", mfa="Yes"),  # F01
]
CONSOLE_LOGINS_ROOT = [row for row in CONSOLE_LOGINS if row["who"] == "root"]
CONSOLE_LOGINS_ALICE = [row for row in CONSOLE_LOGINS if row["who"] == "alice"]


def _failure(who, kind, account, ip, error, count, first, last):
    return {"who": who, "identityType": kind, "account": account, "sourceIPAddress": ip, "errorMessage": error,
            "failures": str(count), "firstSeen": first, "lastSeen": last}


CONSOLE_LOGIN_FAILURES = [  # failures desc, then lastSeen desc
    _failure(HIDDEN, "IAMUser", A, "203.0.113.66", NO_USER, 3, ts(60, 5), ts(63, 40)),  # F30 F32 F34
    _failure("alice", "IAMUser", A, "203.0.113.66", BAD_PASSWORD, 2, ts(60, 50), ts(62, 10)),  # F31 F33
    _failure("root", "Root", P, "203.0.113.66", BAD_PASSWORD, 1, ts(61, 55), ts(61, 55)),  # F36: not A's root
    _failure("root", "Root", A, "198.51.100.7", BAD_PASSWORD, 1, ts(8), ts(8)),  # F09
    _failure(HIDDEN, "IAMUser", A, "198.51.100.7", NO_USER, 1, ts(5), ts(5)),  # F06
    _failure("alice", "IAMUser", A, "198.51.100.7", BAD_PASSWORD, 1, ts(4), ts(4)),  # F05
]

WITHOUT_MFA_COLUMNS = ["@timestamp", "who", "identityType", "account", "sourceIPAddress", "awsRegion", "userAgent"]
WITHOUT_MFA = [
    {"@timestamp": ts(6), "who": "root", "identityType": "Root", "account": A, "sourceIPAddress": "203.0.113.9",
     "awsRegion": "us-east-1", "userAgent": UA},  # F07
    {"@timestamp": ts(3), "who": "dave", "identityType": "IAMUser", "account": A, "sourceIPAddress": "192.0.2.4",
     "awsRegion": "eu-north-1", "userAgent": UA},  # F04: no MFAUsed at all
    {"@timestamp": ts(2), "who": "carol", "identityType": "IAMUser", "account": A, "sourceIPAddress": "192.0.2.3",
     "awsRegion": "ap-southeast-2", "userAgent": UA},  # F03
]


def _root(minute, source, name, kind, ip, agent, *, second=0, account=A):
    row = {"@timestamp": ts(minute, second), "account": account, "session": "root-user", "eventSource": source,
           "eventName": name, "eventType": kind, "awsRegion": "us-east-1", "sourceIPAddress": ip, "userAgent": agent}
    return {k: v for k, v in row.items() if v is not None}


def _cis(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "session"}


ROOT_ACTIVITY_COLUMNS = ["@timestamp", "account", "session", "eventSource", "eventName", "eventType", "invokedBy", "awsRegion",
                         "sourceIPAddress", "userAgent", "errorCode"]
CIS_ROOT_USAGE_COLUMNS = ["@timestamp", "account", "eventSource", "eventName", "eventType", "awsRegion", "sourceIPAddress",
                          "userAgent", "errorCode"]
ROOT_ACTIVITY = [  # F25 (invokedBy) and F26 (AwsServiceEvent) are excluded
    _root(61, "signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn", "203.0.113.66", BOT, second=55, account=P),  # F36
    _root(28, "signin.amazonaws.com", "ExternalIdPDirectoryLogin", "AwsConsoleSignIn", "192.0.2.30", UA),  # F29
    _root(27, "iam.amazonaws.com", "GetAccountPasswordPolicy", None, "203.0.113.9", "console.amazonaws.com"),  # F28 no eventType
    _root(23, "iam.amazonaws.com", "ListUsers", "AwsApiCall", "203.0.113.9", "AWS Internal"),  # F24
    _root(15, "signin.amazonaws.com", "PasswordUpdated", "AwsConsoleSignIn", "203.0.113.9", UA),  # F16
    _root(8, "signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn", "198.51.100.7", UA),  # F09
    _root(7, "signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn", "203.0.113.9", UA),  # F08
    _root(6, "signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn", "203.0.113.9", UA),  # F07
]

ROOT_CONSOLE_LOGINS_COLUMNS = ["@timestamp", "account", "outcome", "mfa", "sourceIPAddress", "awsRegion", "userAgent", "errorMessage"]
ROOT_CONSOLE_LOGINS = [
    {"@timestamp": ts(61, 55), "account": P, "outcome": "Failure", "mfa": "No", "sourceIPAddress": "203.0.113.66",
     "awsRegion": "us-east-1", "userAgent": BOT, "errorMessage": BAD_PASSWORD},  # F36
    {"@timestamp": ts(8), "account": A, "outcome": "Failure", "mfa": "No", "sourceIPAddress": "198.51.100.7",
     "awsRegion": "us-east-1", "userAgent": UA, "errorMessage": BAD_PASSWORD},  # F09
    {"@timestamp": ts(7), "account": A, "outcome": "Success", "mfa": "Yes", "sourceIPAddress": "203.0.113.9",
     "awsRegion": "us-east-1", "userAgent": UA},  # F08
    {"@timestamp": ts(6), "account": A, "outcome": "Success", "mfa": "No", "sourceIPAddress": "203.0.113.9",
     "awsRegion": "us-east-1", "userAgent": UA},  # F07
]

SWITCH_ROLE_COLUMNS = ["@timestamp", "switchFrom", "sourceAccount", "targetAccount", "role", "session", "outcome",
                       "sourceIPAddress", "awsRegion"]
SWITCH_ROLE = [
    {"@timestamp": ts(13), "switchFrom": f"arn:aws:iam::{A}:user/bob", "sourceAccount": A, "targetAccount": P,
     "role": "ProdAdmin", "session": "bob", "outcome": "Success", "sourceIPAddress": "192.0.2.2", "awsRegion": "us-east-1"},  # F14
]

FEDERATED_COLUMNS = ["@timestamp", "eventName", "who", "via", "outcome", "account", "sourceIPAddress", "awsRegion", "userAgent"]
FEDERATED = [
    {"@timestamp": ts(12), "eventName": "GetSigninToken", "who": SSO_JANE, "via": "identity-center", "outcome": "Success",
     "account": A, "sourceIPAddress": "192.0.2.10", "awsRegion": "us-east-1", "userAgent": JERSEY},  # F13
    {"@timestamp": ts(11), "eventName": "ConsoleLogin", "who": "broker-lee", "via": "federated-user", "outcome": "Success",
     "account": A, "sourceIPAddress": "192.0.2.12", "awsRegion": "us-east-1", "userAgent": UA},  # F12
    {"@timestamp": ts(10), "eventName": "ConsoleLogin", "who": "OktaAdmins/kim@example.com", "via": "role", "outcome": "Success",
     "account": A, "sourceIPAddress": "192.0.2.11", "awsRegion": "us-east-1", "userAgent": UA},  # F11
    {"@timestamp": ts(9), "eventName": "ConsoleLogin", "who": SSO_JANE, "via": "identity-center", "outcome": "Success",
     "account": A, "sourceIPAddress": "192.0.2.10", "awsRegion": "us-west-2", "userAgent": UA},  # F10
]


def _ic(minute, name, who, kind, credential, outcome, workflow, ip, user_id=None):
    row = {"@timestamp": ts(minute), "eventName": name, "who": who, "identityType": kind, "userId": user_id,
           "credentialType": credential, "outcome": outcome, "workflow": workflow, "sourceIPAddress": ip,
           "awsRegion": "us-east-1", "account": A}
    return {k: v for k, v in row.items() if v is not None}


IDENTITY_CENTER_COLUMNS = ["@timestamp", "eventName", "who", "identityType", "userId", "credentialType", "outcome", "workflow",
                           "sourceIPAddress", "awsRegion", "account"]
IDENTITY_CENTER = [
    _ic(22, "CredentialVerification", HIDDEN, "Unknown", "PASSWORD", "Failure", "wf-new-2", "198.51.100.7"),  # F23
    _ic(21, "UserAuthentication", KIM_ID, "IdentityCenterUser", "PASSWORD,TOTP", "Success", "wf-new-1", "192.0.2.21",
        user_id=KIM_ID),  # F22: no UserName, so the directory user id
    _ic(20, "CredentialVerification", "kim@example.com", "IdentityCenterUser", "TOTP", "Success", "wf-new-1", "192.0.2.21",
        user_id=KIM_ID),  # F21
    _ic(19, "CredentialChallenge", "kim@example.com", "Unknown", "PASSWORD", "Success", "wf-new-1", "192.0.2.21"),  # F20
    _ic(18, "UserAuthentication", "user1", "Unknown", "PASSWORD,TOTP", "Success", "wf-old-2", "192.0.2.20"),  # F19
    _ic(17, "CredentialVerification", "user1", "Unknown", "PASSWORD", "Failure", "wf-old-1", "192.0.2.20"),  # F18
    _ic(16, "CredentialChallenge", "user1", "Unknown", "PASSWORD", "Success", "wf-old-1", "192.0.2.20"),  # F17
]

SIGNIN_EVENTS = [
    {"eventName": "ConsoleLogin", "outcome": "Success", "events": "11"},  # F01-04 F07 F08 F10-12 F27 F37
    {"eventName": "ConsoleLogin", "outcome": "Failure", "events": "9"},  # F05 F06 F09 F30-34 F36
    {"eventName": "CredentialChallenge", "outcome": "Success", "events": "2"},  # F17 F20
    {"eventName": "CredentialVerification", "outcome": "Failure", "events": "2"},  # F18 F23
    {"eventName": "UserAuthentication", "outcome": "Success", "events": "2"},  # F19 F22
    {"eventName": "CheckMfa", "outcome": "Success", "events": "1"},  # F15
    {"eventName": "CredentialVerification", "outcome": "Success", "events": "1"},  # F21
    {"eventName": "ExternalIdPDirectoryLogin", "outcome": "Failure", "events": "1"},  # F29
    {"eventName": "GetSigninToken", "outcome": "Success", "events": "1"},  # F13
    {"eventName": "PasswordUpdated", "outcome": "Success", "events": "1"},  # F16
    {"eventName": "SwitchRole", "outcome": "Success", "events": "1"},  # F14
]


def _user(who, kind, account, attempts, successes, failures, ips, regions, first, last):
    return {"who": who, "identityType": kind, "account": account, "attempts": str(attempts), "successes": str(successes),
            "failures": str(failures), "sourceIPs": str(ips), "regions": str(regions), "firstSeen": first, "lastSeen": last}


# attempts desc, then who in the service's natural order (upper case before lower), then account
LOGIN_SUMMARY_BY_USER = [
    _user(HIDDEN, "IAMUser", A, 4, 0, 4, 2, 2, ts(5), ts(63, 40)),  # F06 F30 F32 F34
    _user("alice", "IAMUser", A, 4, 1, 3, 3, 1, ts(0), ts(62, 10)),  # F01 F05 F31 F33 (not F37: account P)
    _user("root", "Root", A, 3, 2, 1, 2, 1, ts(6), ts(8)),  # F07 F08 F09 (not F36: account P)
    _user(SSO_JANE, "AssumedRole", A, 1, 1, 0, 1, 1, ts(9), ts(9)),  # F10
    _user("OktaAdmins/kim@example.com", "AssumedRole", A, 1, 1, 0, 1, 1, ts(10), ts(10)),  # F11
    _user("alice", "IAMUser", P, 1, 1, 0, 1, 1, ts(29), ts(29)),  # F37
    _user("bob", "IAMUser", A, 1, 1, 0, 1, 1, ts(1), ts(1)),  # F02
    _user("broker-lee", "FederatedUser", A, 1, 1, 0, 1, 1, ts(11), ts(11)),  # F12
    _user("carol", "IAMUser", A, 1, 1, 0, 1, 1, ts(2), ts(2)),  # F03
    _user("dave", "IAMUser", A, 1, 1, 0, 1, 1, ts(3), ts(3)),  # F04
    _user("erin", "IAMUser", A, 1, 1, 0, 1, 1, ts(26), ts(26)),  # F27 (account from userIdentity.accountId)
    _user("root", "Root", P, 1, 0, 1, 1, 1, ts(61, 55), ts(61, 55)),  # F36
]


def _ip(ip, attempts, successes, failures, accounts, people, first, last):
    return {"sourceIPAddress": ip, "attempts": str(attempts), "successes": str(successes), "failures": str(failures),
            "accounts": str(accounts), "people": str(people), "firstSeen": first, "lastSeen": last}


LOGIN_SUMMARY_BY_IP = [  # attempts desc, then addresses in natural order (192.0.2.2 before 192.0.2.10)
    _ip("203.0.113.66", 6, 0, 6, 2, 3, ts(60, 5), ts(63, 40)),  # F30-34 (A: unknown names, alice) F36 (P: root)
    _ip("198.51.100.7", 3, 0, 3, 1, 3, ts(4), ts(8)),  # F05 F06 F09
    _ip("192.0.2.1", 2, 2, 0, 2, 2, ts(0), ts(29)),  # F01 alice of A, F37 alice of P: two people
    _ip("203.0.113.9", 2, 2, 0, 1, 1, ts(6), ts(7)),  # F07 F08
    _ip("192.0.2.2", 1, 1, 0, 1, 1, ts(1), ts(1)),
    _ip("192.0.2.3", 1, 1, 0, 1, 1, ts(2), ts(2)),
    _ip("192.0.2.4", 1, 1, 0, 1, 1, ts(3), ts(3)),
    _ip("192.0.2.5", 1, 1, 0, 1, 1, ts(26), ts(26)),
    _ip("192.0.2.10", 1, 1, 0, 1, 1, ts(9), ts(9)),
    _ip("192.0.2.11", 1, 1, 0, 1, 1, ts(10), ts(10)),
    _ip("192.0.2.12", 1, 1, 0, 1, 1, ts(11), ts(11)),
]

CONSOLE_LOGIN_REGIONS = [
    {"awsRegion": "us-east-1", "attempts": "14", "successes": "6", "failures": "8"},  # F01 F05 F07-09 F11 F12 F27 F30-34 F36
    {"awsRegion": "us-east-2", "attempts": "3", "successes": "2", "failures": "1"},  # F02 F06 F37
    {"awsRegion": "ap-southeast-2", "attempts": "1", "successes": "1", "failures": "0"},  # F03
    {"awsRegion": "eu-north-1", "attempts": "1", "successes": "1", "failures": "0"},  # F04
    {"awsRegion": "us-west-2", "attempts": "1", "successes": "1", "failures": "0"},  # F10
]

# One IP guessing in two accounts is one burst: F30-34 in A and F36 in P, 6 failures, 3 people.
BURST = {"sourceIPAddress": "203.0.113.66", "timeBin": ts(60), "failures": "6", "accounts": "2", "people": "3",
         "firstSeen": ts(60, 5), "lastSeen": ts(63, 40)}
FAILED_LOGIN_BURSTS = [BURST]  # default threshold 5 in 5m bins: only the scripted burst
FAILED_LOGIN_BURSTS_2_IN_10M = [  # threshold 2 in 10m bins: 198.51.100.7 has three in 08:00-08:10 (F05 F06 F09)
    BURST,
    {"sourceIPAddress": "198.51.100.7", "timeBin": ts(0), "failures": "3", "accounts": "1", "people": "3",
     "firstSeen": ts(4), "lastSeen": ts(8)},
]

# query name → (parameters, expected rows, expected columns in order or None when only the set matters)
CASES: dict[str, tuple[dict[str, str], list[dict[str, str]], list[str] | None]] = {
    "console-logins": ({}, CONSOLE_LOGINS, CONSOLE_LOGINS_COLUMNS),
    "console-logins[user=root]": ({"user": "root"}, CONSOLE_LOGINS_ROOT, CONSOLE_LOGINS_COLUMNS),
    "console-logins[user=alice]": ({"user": "alice"}, CONSOLE_LOGINS_ALICE, CONSOLE_LOGINS_COLUMNS),
    "console-login-failures": ({}, CONSOLE_LOGIN_FAILURES, None),
    "console-logins-without-mfa": ({}, WITHOUT_MFA, WITHOUT_MFA_COLUMNS),
    "console-logins-without-mfa[break_glass_users]": ({"break_glass_users": "dave, root"},
                                                      [r for r in WITHOUT_MFA if r["who"] == "carol"], WITHOUT_MFA_COLUMNS),
    "root-activity": ({}, ROOT_ACTIVITY, ROOT_ACTIVITY_COLUMNS),
    # every root record of the shapes is a sign-in or an API call without invokedBy: both agree here
    "cis-root-usage": ({}, [_cis(row) for row in ROOT_ACTIVITY], CIS_ROOT_USAGE_COLUMNS),
    "root-console-logins": ({}, ROOT_CONSOLE_LOGINS, ROOT_CONSOLE_LOGINS_COLUMNS),
    "switch-role": ({}, SWITCH_ROLE, SWITCH_ROLE_COLUMNS),
    "federated-console-logins": ({}, FEDERATED, FEDERATED_COLUMNS),
    "identity-center-signins": ({}, IDENTITY_CENTER, IDENTITY_CENTER_COLUMNS),
    "signin-events": ({}, SIGNIN_EVENTS, None),
    "login-summary-by-user": ({}, LOGIN_SUMMARY_BY_USER, None),
    "login-summary-by-ip": ({}, LOGIN_SUMMARY_BY_IP, None),
    "console-login-regions": ({}, CONSOLE_LOGIN_REGIONS, None),
    "failed-login-bursts": ({}, FAILED_LOGIN_BURSTS, None),
    "failed-login-bursts[threshold=2,window=10m]": ({"threshold": "2", "window": "10m"}, FAILED_LOGIN_BURSTS_2_IN_10M, None),
    # 6 is reached only by counting both accounts' failures together (5 in A + 1 in P)
    "failed-login-bursts[threshold=6]": ({"threshold": "6"}, FAILED_LOGIN_BURSTS, None),
    "failed-login-bursts[threshold=7]": ({"threshold": "7"}, [], None),
}
