"""Function auth levels as pure-ASGI middleware: 401 unless the request carries a key that unlocks the function.

The key is read as the Functions host reads it (AuthenticationLevelHandler): header `x-functions-key` first, then
query parameter `code`. Which keys unlock what is decided once per function (`KeyStore.accepted`); the comparison
is constant-time. Anonymous functions are not wrapped at all.

Azure answers 401 with an empty body. funchost enforces keys locally too (`func start` does not), so its 401 says
why in plain text: the auth level, whether a key came at all, how to pass one and where the keys are listed
(`funchost keys list`). It never contains a key, and it is the same for every request to that function.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from funchost.http.keys import key_matches
from funchost.http.responses import send_status

KEY_HEADER = b"x-functions-key"
KEY_QUERY = "code"
LIST_KEYS = "funchost keys list"
_WHO = {
    "function": "a function key, a host key or the master key",
    "admin": "the master key",
    "system": "the extension's system key or the master key",
}


def unauthorized_body(level: str, *, key_given: bool, what: str = "This function") -> bytes:
    """The 401 text for `what` at auth `level` ("function" or "admin"); it names no key."""
    problem = "The key sent is not one that unlocks it." if key_given else "No key was sent."
    return (
        f"401 Unauthorized. {what} has auth level '{level}': it needs {_WHO.get(level, _WHO['function'])}. "
        f"{problem} Send the key in the x-functions-key header or as ?{KEY_QUERY}=<key>. "
        f"`{LIST_KEYS}` (in the app folder) shows the keys and where they come from.\n"
    ).encode()


def request_key(scope: Scope) -> bytes | None:
    """The presented key: a non-empty `x-functions-key` header wins over the `code` query parameter."""
    for name, value in scope["headers"]:
        if name == KEY_HEADER and value:
            return bytes(value)
    query: bytes = scope.get("query_string", b"")
    if b"code=" in query:
        for name, text in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if name == KEY_QUERY and text:
                return text.encode("utf-8")
    return None


class KeyAuth:
    """Let the request through to `app` only with one of the `accepted` keys; otherwise answer 401."""

    def __init__(
        self, app: ASGIApp, accepted: tuple[bytes, ...], level: str = "function", what: str = "This function"
    ) -> None:
        self.app = app
        self.accepted = accepted
        self._missing = unauthorized_body(level, key_given=False, what=what)
        self._wrong = unauthorized_body(level, key_given=True, what=what)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = request_key(scope)
        if key is None:
            await send_status(send, 401, self._missing)
            return
        if not key_matches(key, self.accepted):
            await send_status(send, 401, self._wrong)
            return
        await self.app(scope, receive, send)


def protect(app: ASGIApp, accepted: tuple[bytes, ...], level: str) -> ASGIApp:
    """Wrap `app` in `KeyAuth` unless the level is anonymous (no key needed, any key ignored, as on Azure)."""
    return app if level == "anonymous" else KeyAuth(app, accepted, level)


class DisabledFunction:
    """A disabled function's route (funchost.metadata.disabled): 404 as if it did not exist, unless the request
    carries the master key — Azure's way of letting an operator still run a disabled function."""

    def __init__(self, app: ASGIApp, master: tuple[bytes, ...]) -> None:
        self.app = app
        self.master = master

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = request_key(scope)
        if key is None or not key_matches(key, self.master):
            await send_status(send, 404)
            return
        await self.app(scope, receive, send)
