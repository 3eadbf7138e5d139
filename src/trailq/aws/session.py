"""Sessions, accounts, regions and clients: the only module that imports boto3/botocore.

One boto3 session per account (a profile, an assumed role, or the default credential chain),
one client per (account, region, service), created lazily and cached because client creation is
the slowest local step of a wide run. Endpoints come from botocore itself, which honours
AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_CLOUDWATCH_LOGS (pinned by tests/aws/test_endpoints.py).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.exceptions
import botocore.loaders
import botocore.session
from botocore.config import Config

from trailq.errors import AccessError, QueryFailedError, TrailqError, UsageError

ClientError = botocore.exceptions.ClientError
# Errors raised before any HTTP response, by botocore's base classes so that every subclass is
# covered (a proxy refusing the connection is a ProxyConnectionError, a ConnectionError): the
# connection could not be made (ConnectionError: endpoint, proxy, connect timeout, TLS) or broke
# during the exchange (HTTPClientError: read timeout, connection closed, streaming).
NETWORK_ERRORS: tuple[type[Exception], ...] = (
    botocore.exceptions.ConnectionError,
    botocore.exceptions.HTTPClientError,
)
# A TLS failure (an untrusted certificate, an intercepting proxy) does not heal by retrying.
PERMANENT_NETWORK_ERRORS: tuple[type[Exception], ...] = (botocore.exceptions.SSLError,)
# Anything else botocore raises before a response (bad proxy configuration, an endpoint it cannot
# resolve, parameters it rejects): one line naming it, never a traceback.
BOTOCORE_ERROR = botocore.exceptions.BotoCoreError
CREDENTIAL_ERRORS: tuple[type[Exception], ...] = (
    botocore.exceptions.NoCredentialsError,
    botocore.exceptions.PartialCredentialsError,
    botocore.exceptions.ProfileNotFound,
    botocore.exceptions.NoRegionError,
    botocore.exceptions.TokenRetrievalError,
    botocore.exceptions.SSOError,
)

# Our own retry layer (budget.call_with_retries) owns backoff; botocore must not retry too,
# or throttled calls would be retried attempts x attempts times.
_NO_RETRIES = {"mode": "standard", "total_max_attempts": 1}
# Short enough that a stuck call cannot hold a run past its deadline for long.
CALL_CONFIG = Config(retries=_NO_RETRIES, connect_timeout=5, read_timeout=30, max_pool_connections=50)
# StopQuery during an abort: each call gets its own short timeout (runner-lessons §3.3).
STOP_CONFIG = Config(retries=_NO_RETRIES, connect_timeout=2, read_timeout=3)

DEFAULT_REGION = "us-east-1"


@dataclass
class Account:
    """One set of credentials and the account id they belong to."""

    label: str  # the profile name, the role ARN, or "default"
    session: Any  # boto3.Session
    account_id: str | None = None
    origin: str = ""  # the flag that gave these credentials, for messages: "--profile a", "--role-arn ARN"
    _clients: dict[tuple[str, str, bool], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def key(self) -> str:
        """What buckets, gates and messages name the account by: its id, else the label."""
        return self.account_id or self.label

    @property
    def home_region(self) -> str:
        return self.session.region_name or DEFAULT_REGION

    def client(self, service: str, region: str, *, for_stop: bool = False) -> Any:
        """A cached botocore client; boto3 sessions are not thread-safe, so creation is serialised."""
        key = (service, region, for_stop)
        with self._lock:
            existing = self._clients.get(key)
            if existing is None:
                config = STOP_CONFIG if for_stop else CALL_CONFIG
                existing = self.session.client(service, region_name=region, config=config)
                self._clients[key] = existing
            return existing


# One loader for every session: each account would otherwise parse the same service models again,
# the slowest part of opening many accounts.
_LOADER = botocore.loaders.create_loader()


def _new_session(**kwargs: Any) -> Any:
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.Session(botocore_session=core, **kwargs)


class LazyClient:
    """A client created on first use: StopQuery clients are only needed when a run is aborted."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = self._make()
        return getattr(self._client, name)


def _base_session(profile: str | None) -> Any:
    try:
        session = _new_session(profile_name=profile) if profile else _new_session()
        _ = session.region_name  # botocore looks the profile up lazily; make a missing one fail here, by name
        # With AWS_DEFAULT_REGION set the region needs no profile, so ask for the profile itself.
        if profile and profile not in session.available_profiles:
            raise botocore.exceptions.ProfileNotFound(profile=profile)
    except botocore.exceptions.ProfileNotFound as exc:
        name = profile or getattr(exc, "kwargs", {}).get("profile", "?")
        flag = f"--profile {name}" if profile else f"AWS_PROFILE={name}"
        raise UsageError(f"{flag}: no such profile in the AWS config", hint="see `aws configure list-profiles`") from None
    return session


def _unreachable(label: str, exc: Exception) -> QueryFailedError:
    return QueryFailedError(f"{label}: cannot reach AWS ({exc})", hint="check the network or proxy, and AWS_ENDPOINT_URL if set")


def _botocore_failed(label: str, exc: Exception) -> QueryFailedError:
    return QueryFailedError(f"{label}: {type(exc).__name__}: {exc}")


# --- --role-arn, --role-session-name, --external-id: checked before any call -------------------
# Limits of STS AssumeRole (botocore's sts model: RoleArn 20-2048 characters, RoleSessionName
# 2-64 of [\w+=,.@-], ExternalId 2-1224 of [\w+=,.@:/-]); the role ARN shape is IAM's
# (arn:PARTITION:iam::ACCOUNT:role/PATH/NAME, names of [\w+=,.@-]).
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]+", re.ASCII)
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)


def validate_role_flags(role_arns: Sequence[str], external_id: str | None, role_session_name: str) -> None:
    """Raise UsageError naming the flag when a value cannot be sent to STS AssumeRole as it is."""
    for arn in role_arns:
        if not 20 <= len(arn) <= 2048 or not _ROLE_ARN.fullmatch(arn):
            raise UsageError(
                f"--role-arn {arn!r}: not an IAM role ARN",
                hint="arn:aws:iam::123456789012:role/NAME (20 to 2048 characters)",
            )
    if not _SESSION_NAME.fullmatch(role_session_name or ""):
        raise UsageError(
            f"--role-session-name {role_session_name!r}: must be 2 to 64 characters of letters, digits and +=,.@_-",
        )
    if external_id is not None and not _EXTERNAL_ID.fullmatch(external_id):
        raise UsageError(
            "--external-id: must be 2 to 1224 characters of letters, digits and +=,.@:/_-",
            hint="the value is not shown: an external id is a shared secret",
        )


def _caller_account(session: Any, label: str) -> str:
    region = session.region_name or DEFAULT_REGION
    try:
        return str(session.client("sts", region_name=region, config=CALL_CONFIG).get_caller_identity()["Account"])
    except CREDENTIAL_ERRORS as exc:
        raise AccessError(f"{label}: no usable AWS credentials ({exc})",
                          hint="set AWS_PROFILE, run `aws sso login`, or pass --profile") from None
    except ClientError as exc:
        raise AccessError(f"{label}: credentials rejected by STS: {error_message(exc)}") from None
    except NETWORK_ERRORS as exc:
        raise _unreachable(label, exc) from None
    except BOTOCORE_ERROR as exc:
        raise _botocore_failed(label, exc) from None


def _assume(base: Any, role_arn: str, external_id: str | None, session_name: str) -> Any:
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name}
    if external_id:
        params["ExternalId"] = external_id
    region = base.region_name or DEFAULT_REGION
    try:
        creds = base.client("sts", region_name=region, config=CALL_CONFIG).assume_role(**params)["Credentials"]
    except CREDENTIAL_ERRORS as exc:
        raise AccessError(f"--role-arn {role_arn}: no base credentials to assume it from ({exc})") from None
    except ClientError as exc:
        raise AccessError(f"--role-arn {role_arn}: AssumeRole failed: {error_message(exc)}") from None
    except NETWORK_ERRORS as exc:
        raise _unreachable(f"--role-arn {role_arn}", exc) from None
    except BOTOCORE_ERROR as exc:
        raise _botocore_failed(f"--role-arn {role_arn}", exc) from None
    return _new_session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=base.region_name,
    )


def open_accounts(
    profiles: Sequence[str] = (),
    role_arns: Sequence[str] = (),
    *,
    external_id: str | None = None,
    role_session_name: str = "trailq",
    failed: list[AccountFailure] | None = None,
) -> list[Account]:
    """One Account per --profile, then one per --role-arn (assumed from the first profile or the default chain).

    Credentials STS refuses raise AccessError (unreachable: QueryFailedError), unless `failed` is
    given: then each such account is appended there and the others are opened."""
    validate_role_flags(role_arns, external_id, role_session_name)
    accounts: list[Account] = []
    # No --profile: the default credential chain (None), unless only roles are given.
    bases: Sequence[str | None] = profiles or ([None] if not role_arns else [])
    for profile in bases:
        session = _base_session(profile)
        label = profile or "default"
        origin = f"--profile {profile}" if profile else "the default credentials"
        with _collected(failed, label, origin, session):
            accounts.append(Account(label, session, _caller_account(session, label), origin))
    if role_arns:
        base = _base_session(profiles[0] if profiles else None)
        for arn in role_arns:
            with _collected(failed, arn, f"--role-arn {arn}", None):
                session = _assume(base, arn, external_id, role_session_name)
                accounts.append(Account(arn, session, _caller_account(session, arn), f"--role-arn {arn}"))
    return accounts


@dataclass(frozen=True)
class AccountFailure:
    """Credentials that could not be used (STS refused them, expired, unreachable): that account only."""

    account: Account  # no account id: it is named by its label (profile or role ARN)
    error: TrailqError


@contextmanager
def _collected(failed: list[AccountFailure] | None, label: str, origin: str, session: Any) -> Iterator[None]:
    """Raise as before, unless the caller collects failures to run the other accounts."""
    try:
        yield
    except (AccessError, QueryFailedError) as exc:
        if failed is None:
            raise
        failed.append(AccountFailure(Account(label, session, None, origin), exc))


def requested_regions(requested: Sequence[str]) -> list[str]:
    """`--region` values (repeatable, comma lists) → names in order, without repeats; `all` is kept as is.

    `all` is resolved per account (targets.regions_of: EC2 DescribeRegions through the run's budget),
    so that one account unable to list its regions fails alone.
    """
    names: list[str] = []
    for value in requested:
        for part in value.split(","):
            part = part.strip()
            if part and part not in names:
                names.append(part)
    return names


def response_may_be_lost(exc: BaseException) -> bool:
    """The request went out and its answer did not come back (read timeout, connection closed
    mid-answer): the service may have acted on it. A connection never made (ConnectionError) did not."""
    return isinstance(exc, botocore.exceptions.HTTPClientError) and not isinstance(exc, botocore.exceptions.ConnectionError)


# Answers that mean "this endpoint does not offer the operation" rather than "the service failed".
_NOT_OFFERED_CODES = {"UnknownOperationException", "InvalidAction", "NotImplemented", "UnsupportedOperation"}


def operation_not_offered(exc: BaseException) -> bool:
    """The endpoint does not know the call (an emulator, an older or partial implementation): an
    unknown-operation code, HTTP 404/501, or a body that is not an AWS error at all (an HTML page).
    A real AWS error code (ServiceUnavailableException, ...) is the service failing, not this."""
    err = (getattr(exc, "response", None) or {}).get("Error", {})
    code, message = str(err.get("Code") or ""), str(err.get("Message") or "")
    if code in _NOT_OFFERED_CODES or http_status(exc) in (404, 501):
        return True
    return bool(code) and (_looks_like_markup(code) or _looks_like_markup(message) or code.isdigit())


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError ("" for anything else)."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def error_message(exc: BaseException) -> str:
    """`Code: message` on one line. A body that is markup (a proxy's HTML 500 page, an XML 403 that
    botocore could not parse) becomes its text, trimmed, with the HTTP status."""
    response = getattr(exc, "response", None) or {}
    err = response.get("Error", {})
    code, message = err.get("Code"), err.get("Message")
    if not code:
        return one_line(str(exc))
    if _looks_like_markup(str(code)) or _looks_like_markup(str(message or "")):
        text = one_line(_MARKUP.sub(" ", f"{code if _looks_like_markup(str(code)) else ''} {message or ''}"))
        status = http_status(exc)
        return f"HTTP {status or '?'}: {text or 'an HTML/XML error page with no text'}"
    return one_line(f"{code}: {message}" if message else str(code))


_MARKUP = re.compile(r"<[^>]*>")
MAX_MESSAGE_CHARS = 200


def _looks_like_markup(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith("<") or "<html" in head or "<?xml" in head


def one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed; cut at MAX_MESSAGE_CHARS with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_MESSAGE_CHARS else flat[: MAX_MESSAGE_CHARS - 1] + "…"


def http_status(exc: BaseException) -> int:
    response = getattr(exc, "response", None) or {}
    return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
