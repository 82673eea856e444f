"""The request gate, in front of every route: Host, Origin, identity, role, CSRF — in that order.

A pure ASGI middleware, so it runs before any body is parsed and before routing:

1. ``Host`` must be one of the configured public names (or loopback): a foreign name is
   what a DNS-rebinding page sends to a server on 127.0.0.1.
2. A state-changing request (POST, PUT, PATCH, DELETE) from a browser on another origin is
   refused (``Origin``, else ``Sec-Fetch-Site``). Scripts and ``curl`` send neither.
3. The identity: ``Authorization: Bearer KEY``, else the editor's session cookie, else the
   single-user ``local`` identity (no key exists and the client is on loopback).
4. :func:`app.auth.authorize` with the one route table: no identity → 401, wrong role → 403.
5. CSRF: every form post (and anything a session cookie authenticates that is not JSON) must
   carry the token bound to the browser's CSRF cookie and session, as the ``csrf_token``
   field or the ``X-CSRF-Token`` header. The form is read here with a size cap and handed
   on unchanged.

The identity and the form token land on ``request.state.identity`` / ``request.state.csrf_token``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    LOCAL_IDENTITY,
    SESSION_COOKIE,
    Identity,
    KeyStore,
    authorize,
    is_loopback,
    required_roles,
)
from app.desk_context import ui_language_from

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


class _TooLarge(Exception):
    pass


def host_name(host_header: str) -> str:
    """``example.com:8000`` → ``example.com``; ``[::1]:8000`` → ``::1``."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _cookies(headers: Headers) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for raw in headers.getlist("cookie"):
        try:
            jar.load(raw)
        except Exception:  # a malformed cookie header is ignored, not a 500
            continue
    return {name: morsel.value for name, morsel in jar.items()}


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None) -> tuple[bytes, bytes]:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return b"set-cookie", "; ".join(parts).encode("latin-1")


async def _respond(
    send: Send, status: int, body: bytes, content_type: bytes, extra: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def respond_json(send: Send, status: int, detail: str, extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    await _respond(send, status, body, b"application/json", extra)


class SecurityMiddleware:
    """See the module docstring; one instance wraps the whole app."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: KeyStore,
        public_hosts: Iterable[str] = (),
        single_user: bool = True,
        max_form_bytes: int = 64_000,
        secure_cookies: bool = False,
    ) -> None:
        self.app = app
        self.keys = keys
        names = {h.strip().lower() for h in public_hosts if h.strip()}
        self.any_host = "*" in names
        self.hosts = frozenset(names | LOOPBACK_NAMES)
        self.single_user = single_user
        self.max_form_bytes = max_form_bytes
        self.secure_cookies = secure_cookies

    def host_allowed(self, host_header: str) -> bool:
        return self.any_host or host_name(host_header) in self.hosts

    def origin_allowed(self, headers: Headers) -> bool:
        origin = headers.get("origin")
        if origin is not None:
            if origin == "null":
                return False
            parts = urlsplit(origin)
            netloc = parts.netloc.lower()
            if netloc == headers.get("host", "").strip().lower():
                return True
            return bool(parts.hostname) and (self.any_host or parts.hostname in self.hosts - LOOPBACK_NAMES)
        return headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")

    def identify(self, scope: Scope, headers: Headers, cookies: dict[str, str]) -> tuple[Identity | None, str | None]:
        """The caller, and an error message when a credential was presented but is not valid."""
        authorization = headers.get("authorization")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            record = self.keys.verify(token.strip()) if scheme.lower() == "bearer" else None
            if record is None:
                return None, "invalid or revoked API key (send Authorization: Bearer KEY)"
            return record.identity(), None
        session = cookies.get(SESSION_COOKIE)
        if session:
            identity = self.keys.session_identity(session)
            if identity is not None:
                return identity, None
        client = scope.get("client")
        if self.single_user and client and is_loopback(client[0]) and not self.keys.has_active_keys():
            return LOCAL_IDENTITY, None
        return None, None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        method: str = scope["method"].upper()
        path: str = scope["path"]
        unsafe = method not in SAFE_METHODS
        if not self.host_allowed(headers.get("host", "")):
            await respond_json(send, 400, "unknown host name (set COPYDESK_PUBLIC_HOSTS)")
            return
        if unsafe and not self.origin_allowed(headers):
            await respond_json(send, 403, "cross-origin request refused")
            return

        cookies = _cookies(headers)
        identity, credential_error = self.identify(scope, headers, cookies)
        verdict = authorize(identity, method, path)
        csrf_cookie = cookies.get(CSRF_COOKIE, "")
        new_csrf = None
        if not (20 <= len(csrf_cookie) <= 64) or not csrf_cookie.replace("-", "").replace("_", "").isalnum():
            csrf_cookie = new_csrf = secrets.token_urlsafe(32)
        session_token = cookies.get(SESSION_COOKIE) if identity is not None and identity.via == "session" else None
        form_token = self.keys.csrf_token(csrf_cookie, session_token)
        extra_headers: list[tuple[bytes, bytes]] = []
        if new_csrf:
            extra_headers.append(cookie_header(CSRF_COOKIE, new_csrf, secure=self._secure(scope)))

        if verdict == 401:
            www = [(b"www-authenticate", b'Bearer realm="copydesk"'), *extra_headers]
            if method == "GET" and "text/html" in headers.get("accept", ""):
                query = scope.get("query_string", b"").decode("latin-1")
                language = ui_language_from(cookies, headers.get("accept-language"))
                await self._send_login(send, form_token, path + (f"?{query}" if query else ""), language, www)
                return
            await respond_json(
                send, 401, credential_error or "authentication required: send Authorization: Bearer KEY", www
            )
            return
        if verdict == 403:
            needed = ", ".join(sorted(required_roles(method, path)))
            await respond_json(send, 403, f"{identity.name if identity else '?'} lacks the role for this ({needed})")
            return

        if unsafe and self._needs_csrf(headers, identity):
            try:
                body = await self._read_body(headers, receive)
            except _TooLarge:
                await respond_json(send, 413, f"form body over {self.max_form_bytes:,} bytes")
                return
            presented = headers.get(CSRF_HEADER) or await self._form_token(scope, headers, body)
            if not self.keys.csrf_valid(presented, cookies.get(CSRF_COOKIE), session_token):
                await respond_json(send, 403, "CSRF token missing or invalid: reload the page and try again")
                return
            receive = _replay(body, receive)

        state = scope.setdefault("state", {})
        state["identity"] = identity
        state["csrf_token"] = form_token

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and extra_headers:
                message = {**message, "headers": [*message.get("headers", []), *extra_headers]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _secure(self, scope: Scope) -> bool:
        return self.secure_cookies or scope.get("scheme") == "https"

    async def _send_login(
        self, send: Send, token: str, path: str, language: str, headers: list[tuple[bytes, bytes]]
    ) -> None:
        from app.routers.session import LOGIN_CSP, render_login

        body = render_login(token, next_path=path, error="login.required", language=language)
        csp = (b"content-security-policy", LOGIN_CSP.encode("ascii"))
        await _respond(send, 401, body.encode("utf-8"), b"text/html; charset=utf-8", [*headers, csp])

    @staticmethod
    def _needs_csrf(headers: Headers, identity: Identity | None) -> bool:
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type in FORM_TYPES:
            return True
        # Cookies ride along on any browser request; only JSON (which needs a CORS preflight) is exempt.
        return identity is not None and identity.via == "session" and content_type != "application/json"

    async def _read_body(self, headers: Headers, receive: Receive) -> bytes:
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_form_bytes:
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_form_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _form_token(self, scope: Scope, headers: Headers, body: bytes) -> str:
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return ""
        request = Request(scope, _replay(body, _no_more))
        try:
            form = await request.form(max_files=0, max_fields=200, max_part_size=self.max_form_bytes)
        except Exception:  # malformed form: no token, so 403 below
            return ""
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""


async def _no_more() -> Message:
    return {"type": "http.disconnect"}


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that yields the already-read body once, then defers to the real one (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
