"""`Set-Cookie` headers of an HTTP response, as they reach the client from Azure.

The worker does not pass a function's `Set-Cookie` headers through: azure-functions parses each with
`http.cookies.SimpleCookie`, the worker sends the cookies as RpcHttpCookie (nullable domain, path, expires, secure,
httpOnly, sameSite, maxAge) and the host writes them with ASP.NET Core's cookie serializer. So:

- a header SimpleCookie cannot parse (an unknown attribute such as `SecureFalse`, or an empty header) sends no
  cookie, silently;
- an `Expires` that is no date, or a `Max-Age` that is no number, fails the invocation (500), naming the value;
- the rest is written as ASP.NET does: `name=value; expires=<RFC 1123, whole seconds>; max-age=<n>;
  domain=<d>; path=<p>; secure; samesite=<lax|strict|none>; httponly`. `domain` and `path` are always there (empty
  when the header had none: SimpleCookie cannot tell absent from empty); the others only when given.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from email.utils import formatdate, parsedate_to_datetime
from http.cookies import CookieError, Morsel, SimpleCookie

logger = logging.getLogger("funchost.http")
_SAME_SITE = frozenset({"lax", "strict", "none"})  # RpcHttpCookie.SameSite Lax / Strict / ExplicitNone


def azure_set_cookies(headers: Iterable[str]) -> list[str]:
    """The `Set-Cookie` values the host would send for these headers; `ValueError` for a bad Expires or Max-Age."""
    out: list[str] = []
    for header in headers:
        cookie = SimpleCookie()
        try:
            cookie.load(header)
        except CookieError:
            continue
        out += [_written(name, morsel) for name, morsel in cookie.items()]
    return out


def _written(name: str, morsel: Morsel[str]) -> str:
    parts = [f"{name}={morsel.value}"]
    expires = morsel["expires"]
    if expires:
        seconds = _seconds(str(expires))
        if seconds is None:
            message = f"Can not parse value {expires} of expires in the cookie due to invalid format."
            logger.error("%s", message)  # the worker's words
            raise ValueError(message)
        parts.append(f"expires={formatdate(int(seconds), usegmt=True)}")
    max_age = morsel["max-age"]
    if max_age != "":
        try:
            age = float(max_age)
        except ValueError:
            raise ValueError(f"Cannot parse value {max_age} of 'cookie.maxAge' to float.") from None
        parts.append(f"max-age={int(age)}")
    # SimpleCookie gives '' for an absent domain or path, the worker sends '' as a value, and ASP.NET writes it.
    parts += [f"domain={morsel['domain']}", f"path={morsel['path']}"]
    if morsel["secure"]:
        parts.append("secure")
    same_site = str(morsel["samesite"]).lower()
    if same_site in _SAME_SITE:
        parts.append(f"samesite={same_site}")
    if morsel["httponly"]:
        parts.append("httponly")
    return "; ".join(parts)


def _seconds(text: str) -> float | None:
    """An Expires date as seconds since the epoch: RFC 1123 / 850 (`12-Jan-2017` too) or ISO 8601; None if neither."""
    try:
        moment = parsedate_to_datetime(text.replace("-", " "))
    except (TypeError, ValueError):
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)  # an HTTP date without a zone is GMT
    return moment.timestamp()
