"""Expected rows of the sign-in pack over fixtures/signin-attacks.json, written by hand.

The records (G01…G84, fixtures/README.md) are attacks and their near-misses, all on Tuesday
11 March 2025 UTC except G57 (Saturday 15 March). A near-miss is a record set that a query must NOT
report; the comment on each expected row says which records make it, and the docstring of each
case which near-misses it leaves out.
"""

from __future__ import annotations

A, P = "123456789012", "210987654321"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
FAILED = "Failed authentication"


def at(hh: int, mm: int, ss: int = 0, day: int = 11) -> str:
    return f"2025-03-{day:02d} {hh:02d}:{mm:02d}:{ss:02d}.000"


# --- brute force that succeeded --------------------------------------------------------------------
# Not reported: 203.0.113.11 (four failures of erin, one delivered twice, then a success: the
# duplicate is one event, so four < 5) and 203.0.113.12 (gus's success comes before his failures).
BRUTE_IP_DAVE = {"sourceIPAddress": "203.0.113.10", "timeBin": at(9, 0), "failures": "5", "successes": "1", "people": "1",
                 "firstFailure": at(9, 0), "lastSuccess": at(9, 6)}  # G01-G05 (G03 errorMessage only), G06
BRUTE_IP_ERIN = {"sourceIPAddress": "203.0.113.11", "timeBin": at(9, 0), "failures": "4", "successes": "1", "people": "1",
                 "firstFailure": at(9, 10), "lastSuccess": at(9, 15)}  # G07-G10, G11 (threshold 4 only)
BRUTE_USER = [
    {"who": "dave", "account": A, "timeBin": at(9, 0), "failures": "5", "successes": "1", "sourceIPs": "1",
     "firstFailure": at(9, 0), "lastSuccess": at(9, 6)},  # G01-G06
    # frank: 3 + 2 failures from two IPs and a success from a third, so no single IP reaches five
    {"who": "frank", "account": A, "timeBin": at(9, 0), "failures": "5", "successes": "1", "sourceIPs": "3",
     "firstFailure": at(9, 30), "lastSuccess": at(9, 40)},  # G18-G23
]

# --- password guessing per person ------------------------------------------------------------------
GUESS_ROOT = {"who": "root", "identityType": "Root", "account": A, "timeBin": at(10, 0), "failures": "5", "sourceIPs": "3",
              "firstSeen": at(10, 0), "lastSeen": at(10, 16)}  # G24-G28: root's threshold is 5
GUESS_GRACE = {"who": "grace", "identityType": "IAMUser", "account": A, "timeBin": at(10, 0), "failures": "9",
               "sourceIPs": "3", "firstSeen": at(10, 30), "lastSeen": at(10, 38)}  # G29-G37: 9 < 10, shown at 9

# --- spraying --------------------------------------------------------------------------------------
SPRAY_50 = {"sourceIPAddress": "192.0.2.50", "account": A, "awsRegion": "us-east-1", "timeBin": at(11, 0), "failures": "5",
            "people": "5", "firstSeen": at(11, 0), "lastSeen": at(11, 4)}  # G38-G42
SPRAY_51 = {"sourceIPAddress": "192.0.2.51", "account": A, "awsRegion": "us-east-1", "timeBin": at(11, 0), "failures": "4",
            "people": "4", "firstSeen": at(11, 10), "lastSeen": at(11, 13)}  # G43-G46 (min_people 4 only)
# 192.0.2.52 (G47-G51) tries five people, but three in A and two in P: never five in one account.

# --- several IPs -----------------------------------------------------------------------------------
MULTI_IP = [{"who": "peggy", "identityType": "IAMUser", "account": A, "timeBin": at(12, 0), "successes": "2",
             "sourceIPs": "2", "firstSeen": at(12, 0), "lastSeen": at(12, 20)}]  # G52 G53; trent's two are 90 minutes apart


# --- outside allowed networks ----------------------------------------------------------------------
def _signin(time, who, ip, kind="IAMUser"):
    return {"@timestamp": time, "who": who, "identityType": kind, "account": A, "sourceIPAddress": ip, "awsRegion": "us-east-1",
            "userAgent": UA}


NETWORKS = "192.0.2.0/24, 198.51.100.0/24,2001:db8::/32"
OUTSIDE_NETWORKS = [  # G59 (2001:db8::5) is inside the IPv6 network
    _signin(at(15, 5), "root", "203.0.113.77", "Root"),  # G66
    _signin(at(14, 10), "victor", "203.0.113.99"),  # G61
    _signin(at(9, 20), "gus", "203.0.113.12"),  # G12
    _signin(at(9, 15), "erin", "203.0.113.11"),  # G11
    _signin(at(9, 6), "dave", "203.0.113.10"),  # G06
]


# --- outside working hours -------------------------------------------------------------------------
def _hours(time, day, hour, who="walter", ip="192.0.2.80"):
    return {"@timestamp": time, "localDay": day, "localHour": str(hour), "who": who, "identityType": "IAMUser", "account": A,
            "sourceIPAddress": ip, "awsRegion": "us-east-1"}


OUTSIDE_HOURS = [_hours(at(10, 0, day=15), "Sat", 10), _hours(at(20, 0), "Tue", 20), _hours(at(3, 0), "Tue", 3)]  # G57 G58 G56
OUTSIDE_HOURS_UTC_PLUS_1 = [_hours(at(10, 0, day=15), "Sat", 11), _hours(at(20, 0), "Tue", 21), _hours(at(3, 0), "Tue", 4)]
OUTSIDE_HOURS_UNTIL_16 = [
    _hours(at(10, 0, day=15), "Sat", 10), _hours(at(20, 0), "Tue", 20),
    _hours(at(16, 40), "Tue", 16, "xavier", "192.0.2.93"), _hours(at(16, 5), "Tue", 16, "wendy", "192.0.2.92"),  # G75 G73
    _hours(at(3, 0), "Tue", 3),
]


# --- credential changes ----------------------------------------------------------------------------
def _change(time, who, kind, name, change, target, other, ip, *, agent=UA, error=None):
    row = {"@timestamp": time, "account": A, "who": who, "identityType": kind, "eventName": name, "change": change,
           "target": target, "forOther": other, "sourceIPAddress": ip, "userAgent": agent, "errorCode": error}
    return {k: v for k, v in row.items() if v is not None}


CREDENTIAL_CHANGES = [
    _change(at(17, 0), "IAM/alice", "AssumedRole", "UpdateLoginProfile", "login-profile", "alice", "no",
            "192.0.2.94"),  # G86: a session named after the user is the user
    _change(at(16, 30), "xavier", "IAMUser", "CreateAccessKey", "access-key", "xavier", "no", "192.0.2.93"),  # G74
    _change(at(16, 0), "wendy", "IAMUser", "ChangePassword", "password", "wendy", "no", "192.0.2.92",
            error="AccessDenied"),  # G72: a denied attempt is shown with its errorCode
    _change(at(15, 20), "root", "Root", "DeleteLoginProfile", "login-profile", "root", "no", "192.0.2.91",
            agent="aws-cli/2.22.0"),  # G71 (AssumeRoot session)
    _change(at(15, 12), "root", "Root", "CreateAccessKey", "access-key", "root", "no", "203.0.113.77",
            agent="AWS Internal"),  # G68
    _change(at(15, 10), "root", "Root", "EnableMFADevice", "mfa", "root", "no", "203.0.113.77"),  # G67: AWS ROOT USER
    _change(at(15, 2), "root", "Root", "PasswordRecoveryCompleted", "password-recovery", "root", "no", "203.0.113.77"),  # G65
    _change(at(15, 0), "root", "Root", "PasswordRecoveryRequested", "password-recovery", "root", "no", "203.0.113.77"),  # G64
    _change(at(14, 20), "iam-admin", "IAMUser", "UpdateAccountPasswordPolicy", "password-policy", "(account)", "no",
            "192.0.2.90"),  # G63
    _change(at(14, 15), "victor", "IAMUser", "CreateAccessKey", "access-key", "victor", "no", "203.0.113.99"),  # G62
    _change(at(14, 0), "iam-admin", "IAMUser", "UpdateLoginProfile", "login-profile", "victor", "yes", "192.0.2.90"),  # G60
]


# --- takeover chains -------------------------------------------------------------------------------
def _chain(who, time_bin, chain, changes, sign_ins, keys, first_change=None, first_sign_in=None, last_key=None):
    row = {"who": who, "account": A, "timeBin": time_bin, "chain": chain, "changes": str(changes), "signIns": str(sign_ins),
           "keysCreated": str(keys), "firstChange": first_change, "firstSignIn": first_sign_in, "lastKeyCreated": last_key}
    return {k: v for k, v in row.items() if v is not None}


# Not reported: wendy (her password change was denied), xavier (key created before he signed in).
TAKEOVER = [
    _chain("root", at(15, 0), "credential -> sign-in -> access key", 2, 1, 1, at(15, 2), at(15, 5), at(15, 12)),  # G65-G68
    _chain("victor", at(14, 0), "credential -> sign-in -> access key", 1, 1, 1, at(14, 0), at(14, 10), at(14, 15)),  # G60-G62
]
TAKEOVER_10M = [  # with 10-minute bins the steps fall apart differently
    _chain("root", at(15, 0), "credential -> sign-in", 1, 1, 0, at(15, 2), at(15, 5)),  # G65 G66
    _chain("victor", at(14, 10), "sign-in -> access key", 0, 1, 1, None, at(14, 10), at(14, 15)),  # G61 G62
]

# --- Identity Center without MFA -------------------------------------------------------------------
IC_WITHOUT_MFA = [  # G78 (PASSWORD,TOTP) and G79 (EXTERNAL_IDP) are not reported
    {"@timestamp": at(9, 51), "who": "zed@example.com", "identityType": "IdentityCenterUser", "userId": "id-zed@example.com",
     "sourceIPAddress": "192.0.2.70", "awsRegion": "us-east-1", "account": A},  # G77: no CredentialType at all
    {"@timestamp": at(9, 50), "who": "yara@example.com", "identityType": "IdentityCenterUser", "userId": "id-yara@example.com",
     "credentialType": "PASSWORD", "sourceIPAddress": "192.0.2.70", "awsRegion": "us-east-1", "account": A},  # G76
]

# --- suspicious federation -------------------------------------------------------------------------
FED_EC2 = {"@timestamp": at(12, 45), "eventName": "ConsoleLogin", "who": "WebServerRole/i-0abc123def4567890",
           "identityType": "AssumedRole", "reason": "console sign-in with EC2 instance-role credentials", "account": A,
           "sourceIPAddress": "198.51.100.88", "awsRegion": "us-east-1", "userAgent": UA}  # G82
FED_EC2_TOKEN = {"@timestamp": at(12, 44), "eventName": "GetSigninToken", "who": "WebServerRole/i-0abc123def4567890",
                 "identityType": "AssumedRole", "reason": "console sign-in with EC2 instance-role credentials", "account": A,
                 "sourceIPAddress": "198.51.100.88", "awsRegion": "us-east-1", "userAgent": UA}  # G87: a browser, but i-…
FED_SCRIPT = {"@timestamp": at(12, 40), "eventName": "GetSigninToken", "who": "Deploy/ci-session", "identityType": "AssumedRole",
              "reason": "sign-in token requested by a non-browser client", "account": A, "sourceIPAddress": "198.51.100.88",
              "awsRegion": "us-east-1", "userAgent": "python-requests/2.32.3"}
# G80; not G81 (a browser) nor G85 and G88 (the Identity Center portal's Go client for an AWSReservedSSO_* role;
# G88 carries no sessionContext: the role is read from the session ARN)

# --- the first edition's queries over the attacks ----------------------------------------------------
SIGNIN_EVENTS = [
    {"eventName": "ConsoleLogin", "outcome": "Failure", "events": "48"},  # G08's duplicate counted once; G03 by errorMessage
    {"eventName": "ConsoleLogin", "outcome": "Success", "events": "18"},
    {"eventName": "GetSigninToken", "outcome": "Success", "events": "5"},
    {"eventName": "UserAuthentication", "outcome": "Success", "events": "4"},
    {"eventName": "PasswordRecoveryCompleted", "outcome": "Success", "events": "1"},  # read generically
    {"eventName": "PasswordRecoveryRequested", "outcome": "Success", "events": "1"},
]


def _root(time, session, source, name, invoked, ip, agent=UA, kind="AwsApiCall"):
    row = {"@timestamp": time, "account": A, "session": session, "eventSource": source, "eventName": name, "eventType": kind,
           "invokedBy": invoked, "awsRegion": "us-east-1", "sourceIPAddress": ip, "userAgent": agent}
    return {k: v for k, v in row.items() if v is not None}


SIGNIN = "signin.amazonaws.com"
ROOT_ACTIVITY_LATE = [  # G69 (AWS Internal) and G70 (cloudtrail.amazonaws.com) are left out
    _root(at(15, 20), "assumed-root", "iam.amazonaws.com", "DeleteLoginProfile", None, "192.0.2.91", "aws-cli/2.22.0"),  # G71
    _root(at(15, 12), "root-user", "iam.amazonaws.com", "CreateAccessKey", SIGNIN, "203.0.113.77", "AWS Internal"),  # G68
    _root(at(15, 10), "root-user", "iam.amazonaws.com", "EnableMFADevice", SIGNIN, "203.0.113.77"),  # G67
    _root(at(15, 5), "root-user", SIGNIN, "ConsoleLogin", None, "203.0.113.77", kind="AwsConsoleSignIn"),  # G66
    _root(at(15, 2), "root-user", SIGNIN, "PasswordRecoveryCompleted", None, "203.0.113.77", kind="AwsConsoleSignIn"),  # G65
    _root(at(15, 0), "root-user", SIGNIN, "PasswordRecoveryRequested", None, "203.0.113.77", kind="AwsConsoleSignIn"),  # G64
]
ROOT_ACTIVITY_GUESSES = [  # G24-G28, the failed root sign-ins
    _root(at(10, minute), "root-user", SIGNIN, "ConsoleLogin", None, ip, kind="AwsConsoleSignIn")
    for minute, ip in ((16, "198.51.100.32"), (12, "198.51.100.32"), (8, "198.51.100.31"), (4, "198.51.100.30"),
                       (0, "198.51.100.30"))
]


def _cis(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("session", "invokedBy")}


CIS_ROOT_USAGE = [_cis(r) for r in ROOT_ACTIVITY_LATE + ROOT_ACTIVITY_GUESSES if "invokedBy" not in r]  # no console API calls

BURSTS = [  # 5 failures in a 5-minute bin: gus's five straddle 09:25, erin's are four, root's and grace's spread out
    {"sourceIPAddress": "203.0.113.10", "timeBin": at(9, 0), "failures": "5", "accounts": "1", "people": "1",
     "firstSeen": at(9, 0), "lastSeen": at(9, 4)},
    {"sourceIPAddress": "192.0.2.50", "timeBin": at(11, 0), "failures": "5", "accounts": "1", "people": "5",
     "firstSeen": at(11, 0), "lastSeen": at(11, 4)},
    {"sourceIPAddress": "192.0.2.52", "timeBin": at(11, 20), "failures": "5", "accounts": "2", "people": "5",
     "firstSeen": at(11, 20), "lastSeen": at(11, 24)},
]

FEDERATED = [  # G85, G87 and G88 are in too: this inventory lists every federated session
    {"@timestamp": at(12, 50), "eventName": "ConsoleLogin", "who": "PowerUsers", "via": "identity-center", "outcome": "Success",
     "account": A, "sourceIPAddress": "192.0.2.71", "awsRegion": "us-east-1", "userAgent": UA},  # G83: by its path only
    {"@timestamp": at(12, 45), "eventName": "ConsoleLogin", "who": "WebServerRole/i-0abc123def4567890", "via": "role",
     "outcome": "Success", "account": A, "sourceIPAddress": "198.51.100.88", "awsRegion": "us-east-1", "userAgent": UA},
    {"@timestamp": at(12, 44), "eventName": "GetSigninToken", "who": "WebServerRole/i-0abc123def4567890", "via": "role",
     "outcome": "Success", "account": A, "sourceIPAddress": "198.51.100.88", "awsRegion": "us-east-1", "userAgent": UA},
    {"@timestamp": at(12, 43), "eventName": "GetSigninToken", "who": "AWSReservedSSO_ReadOnly_0123456789abcdef/omar@example.com",
     "via": "identity-center", "outcome": "Success", "account": A, "sourceIPAddress": "198.51.100.88", "awsRegion": "us-east-1",
     "userAgent": "Go-http-client/2.0"},  # G88: known only by its ARN
    {"@timestamp": at(12, 42), "eventName": "GetSigninToken", "who": "AWSReservedSSO_Admin_0123456789abcdef/nora@example.com",
     "via": "identity-center", "outcome": "Success", "account": A, "sourceIPAddress": "198.51.100.88", "awsRegion": "us-east-1",
     "userAgent": "Go-http-client/2.0"},
    {"@timestamp": at(12, 41), "eventName": "GetSigninToken", "who": "Deploy/ci-session", "via": "role", "outcome": "Success",
     "account": A, "sourceIPAddress": "198.51.100.88", "awsRegion": "us-east-1", "userAgent": UA},
    {"@timestamp": at(12, 40), "eventName": "GetSigninToken", "who": "Deploy/ci-session", "via": "role", "outcome": "Success",
     "account": A, "sourceIPAddress": "198.51.100.88", "awsRegion": "us-east-1", "userAgent": "python-requests/2.32.3"},
]

# query name[variant] → (parameters, expected rows)
CASES: dict[str, tuple[dict[str, str], list[dict[str, str]]]] = {
    "brute-force-success-by-ip": ({}, [BRUTE_IP_DAVE]),
    "brute-force-success-by-ip[threshold=4]": ({"threshold": "4"}, [BRUTE_IP_DAVE, BRUTE_IP_ERIN]),
    "brute-force-success-by-ip[known_ips]": ({"known_ips": "192.0.2.1, 203.0.113.10"}, []),
    "brute-force-success-by-user": ({}, BRUTE_USER),
    "brute-force-success-by-user[threshold=6]": ({"threshold": "6"}, []),
    "password-guessing": ({}, [GUESS_ROOT]),
    "password-guessing[threshold=9]": ({"threshold": "9"}, [GUESS_GRACE, GUESS_ROOT]),
    "password-guessing[root_threshold=6]": ({"root_threshold": "6"}, []),
    "password-guessing[break_glass_users=root]": ({"break_glass_users": "root"}, []),
    "password-spraying": ({}, [SPRAY_50]),
    "password-spraying[min_people=4]": ({"min_people": "4"}, [SPRAY_50, SPRAY_51]),
    "multi-ip-console-logins": ({}, MULTI_IP),
    "multi-ip-console-logins[known_ips]": ({"known_ips": "198.51.100.60"}, []),
    "signins-outside-allowed-networks": ({}, []),  # empty list: no check
    "signins-outside-allowed-networks[networks]": ({"allowed_networks": NETWORKS}, OUTSIDE_NETWORKS),
    "signins-outside-allowed-networks[break_glass]": ({"allowed_networks": NETWORKS, "break_glass_users": "root,victor"},
                                                      OUTSIDE_NETWORKS[2:]),
    "signins-outside-working-hours": ({}, OUTSIDE_HOURS),
    "signins-outside-working-hours[utc_offset=1]": ({"utc_offset": "1"}, OUTSIDE_HOURS_UTC_PLUS_1),
    "signins-outside-working-hours[saturday]": ({"weekdays": "Mon, Tue,Wed,Thu,Fri,Sat"}, OUTSIDE_HOURS[1:]),
    "signins-outside-working-hours[workday_end=16]": ({"workday_end": "16"}, OUTSIDE_HOURS_UNTIL_16),
    "credential-changes": ({}, CREDENTIAL_CHANGES),
    "credential-changes[allowed_actors]": ({"allowed_actors": "iam-admin,root"},
                                           [r for r in CREDENTIAL_CHANGES if r["who"] not in ("iam-admin", "root")]),
    "account-takeover-chain": ({}, TAKEOVER),
    "account-takeover-chain[window=10m]": ({"window": "10m"}, TAKEOVER_10M),
    "identity-center-signins-without-mfa": ({}, IC_WITHOUT_MFA),
    "suspicious-federation": ({}, [FED_EC2, FED_EC2_TOKEN, FED_SCRIPT]),
    "suspicious-federation[allowed_sessions]": ({"allowed_sessions": "Deploy/ci-session"}, [FED_EC2, FED_EC2_TOKEN]),
    "signin-events": ({}, SIGNIN_EVENTS),
    "root-activity": ({}, ROOT_ACTIVITY_LATE + ROOT_ACTIVITY_GUESSES),
    "root-activity[known_ips]": ({"known_ips": "198.51.100.30,198.51.100.31, 198.51.100.32"}, ROOT_ACTIVITY_LATE),
    "cis-root-usage": ({}, CIS_ROOT_USAGE),
    "failed-login-bursts": ({}, BURSTS),
    "federated-console-logins": ({}, FEDERATED),
}
