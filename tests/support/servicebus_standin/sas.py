"""Shared-access-signature checks, as Service Bus makes them: a token
`SharedAccessSignature sr=<url-encoded resource>&sig=<signature>&se=<expiry>&skn=<policy>` is valid when `sig` is
base64(HMAC-SHA256(policy key, url-encoded resource + "\\n" + expiry)), the expiry is in the future, and the policy
exists. The token then grants the policy's rights (Manage / Listen / Send) on the resource and every path below it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, quote_plus, urlparse

from .namespace import Policy


class Unauthorized(PermissionError):
    """The token is malformed, expired, signed with the wrong key, or names an unknown policy."""


@dataclass(frozen=True)
class Grant:
    resource: str  # the path part of the audience, lower-cased ('' for the whole namespace)
    rights: frozenset[str]
    expires: int

    def covers(self, path: str, right: str) -> bool:
        path = path.lower().strip("/")
        inside = not self.resource or path == self.resource or path.startswith(self.resource + "/")
        return inside and right in self.rights and self.expires > time.time()


def verify(token: str, policies: dict[str, Policy]) -> Grant:
    scheme, _, fields = token.partition(" ")
    if scheme != "SharedAccessSignature" or not fields:
        raise Unauthorized("InvalidSignature: The token has an invalid signature (not a SharedAccessSignature).")
    values = {k: v[0] for k, v in parse_qs(fields, keep_blank_values=True).items()}
    missing = {"sr", "sig", "se", "skn"} - set(values)
    if missing:
        raise Unauthorized(f"InvalidSignature: The token is missing {sorted(missing)}.")
    policy = policies.get(values["skn"])
    if policy is None:
        raise Unauthorized(f"Unauthorized access. The policy '{values['skn']}' does not exist.")
    signed = f"{quote_plus(values['sr'])}\n{values['se']}".encode()
    expected = base64.b64encode(hmac.new(policy.key.encode(), signed, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected, values["sig"]):
        raise Unauthorized("InvalidSignature: The token has an invalid signature.")
    try:
        expires = int(values["se"])
    except ValueError:
        raise Unauthorized("InvalidSignature: The token expiry is not a number.") from None
    if expires <= time.time():
        raise Unauthorized("ExpiredToken: The token is expired.")
    resource = urlparse(values["sr"]).path.strip("/").lower() if "://" in values["sr"] else ""
    return Grant(resource, policy.rights, expires)
