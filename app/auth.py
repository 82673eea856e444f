"""Who is asking, and may they: API keys with roles, editor sessions, and the one route→role table.

* **Keys** are 256-bit random tokens (``cdk_<id>_<secret>``), shown once and stored only as
  HMAC-SHA256 under a server secret. A slow password hash (argon2/bcrypt) protects
  low-entropy passwords; a random 256-bit key cannot be guessed, and a keyed hash costs
  microseconds per request where argon2 would cost tens of milliseconds on every API call.
* **Sessions** (editor pages): ``/login`` exchanges a key for an opaque random session token in
  an HttpOnly, SameSite=Strict cookie; only its hash is stored, so logout and key revocation
  end it at once.
* **Roles**: ``ops`` (runs, campaigns), ``editor`` (reviews), ``admin`` (documents, keys,
  settings; admin satisfies every rule), ``viewer`` (read only).
* **Deny by default**: :data:`RULES` is the only place that says which role a route needs;
  a route not named there needs ``admin``.
* **Single-user mode**: while no key exists, requests from the loopback interface get the
  ``local`` identity with every role (the embedded default on 127.0.0.1). The first key
  created ends that mode for every process on the same database.
"""

from __future__ import annotations

import base64
import builtins
import hashlib
import hmac
import ipaddress
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.sqlstore import SqlStore

ROLES: tuple[str, ...] = ("ops", "editor", "admin", "viewer")
ALL_ROLES = frozenset(ROLES)
SESSION_COOKIE = "copydesk_session"
CSRF_COOKIE = "copydesk_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_KEY_SHAPE = re.compile(r"^cdk_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$")
_NAME_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.@-]{0,63}$")


class AuthError(ValueError):
    """A key request that cannot be served (bad role, bad name, unknown key); the message is for the user."""


@dataclass(frozen=True)
class Identity:
    """The caller of one request. ``via`` says how it was established: key, session or local."""

    name: str
    roles: frozenset[str]
    key_id: str | None = None
    via: str = "key"

    def has(self, roles: frozenset[str]) -> bool:
        return "admin" in self.roles or bool(self.roles & roles)


LOCAL_IDENTITY = Identity(name="local", roles=ALL_ROLES, key_id=None, via="local")


# --- the route → role table (the only one) ----------------------------------------------------

PUBLIC: frozenset[str] = frozenset()
READ = frozenset({"viewer", "ops", "editor"})
_READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Rule:
    """``methods`` None = every method; ``roles`` empty = public (no identity needed)."""

    methods: frozenset[str] | None
    pattern: re.Pattern[str]
    roles: frozenset[str]


def _rule(methods: str | None, pattern: str, roles: frozenset[str] | set[str]) -> Rule:
    chosen = None if methods is None else frozenset(methods.split())
    if chosen is not None and "GET" in chosen:
        chosen = chosen | {"HEAD"}
    return Rule(chosen, re.compile(pattern), frozenset(roles))


# First match wins. Patterns are anchored and matched against the request path as routed.
RULES: tuple[Rule, ...] = (
    _rule("GET", r"^/healthz$", PUBLIC),
    _rule("GET POST", r"^/login$", PUBLIC),  # the login form checks the key itself (and CSRF)
    _rule("POST", r"^/logout$", PUBLIC),
    _rule("GET", r"^/editor/static/desk\.(css|js)$", PUBLIC),  # the sign-in page wears the desk's stylesheet
    _rule("GET", r"^/(openapi\.json|docs|docs/oauth2-redirect|redoc)$", READ),
    # runs and campaigns: ops launch, editors decide, everyone reads
    _rule("GET", r"^/v1/runs(/.*)?$", READ),
    _rule("POST", r"^/v1/runs$", {"ops"}),
    _rule("POST", r"^/v1/runs/[^/]+/(retry|cancel)$", {"ops"}),
    _rule("POST", r"^/v1/runs/[^/]+/review$", {"editor"}),
    _rule("GET", r"^/v1/campaigns(/.*)?$", READ),
    _rule("POST", r"^/v1/campaigns(/[^/]+/cancel)?$", {"ops"}),
    # the governed document library (issue 8)
    _rule("GET", r"^/v1/documents(/.*)?$", READ),
    _rule(None, r"^/v1/documents(/.*)?$", {"admin"}),
    # checking a text against the corpus (issue 11/7)
    _rule("POST", r"^/v1/check$", {"ops", "editor"}),
    # editor pages and published output (issue 11)
    _rule("GET", r"^/(editor|published)(/.*)?$", READ),
    _rule(None, r"^/(editor|published)(/.*)?$", {"editor"}),
    # statistics and operations pages (issue 12/13)
    _rule("GET", r"^/v1/stats(/.*)?$", READ),
    _rule("GET", r"^/ops(/.*)?$", READ),
    _rule(None, r"^/ops(/.*)?$", {"ops"}),
    # the audit log: compliance reads it, nobody writes it over HTTP
    _rule("GET", r"^/v1/audit(/.*)?$", {"viewer"}),
)
DEFAULT_ROLES = frozenset({"admin"})


def required_roles(method: str, path: str) -> frozenset[str]:
    """The roles any one of which a request needs (empty: public). Unknown routes need admin."""
    method = method.upper()
    for rule in RULES:
        if (rule.methods is None or method in rule.methods) and rule.pattern.match(path):
            return rule.roles
    return DEFAULT_ROLES


def authorize(identity: Identity | None, method: str, path: str) -> int:
    """200 allowed, 401 no (valid) identity, 403 identity without a role the route needs."""
    roles = required_roles(method, path)
    if not roles:
        return 200
    if identity is None:
        return 401
    return 200 if identity.has(roles) else 403


# --- secrets, keys and sessions --------------------------------------------------------------


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """The server secret: ``COPYDESK_AUTH_SECRET`` if set, else a random one kept in DATA_DIR (mode 0600).

    Several API machines on one PostgreSQL database must share the configured secret.
    """
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "auth_secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="ascii") as handle:
                path.chmod(0o600)
                handle.write(secrets.token_urlsafe(48))
        except FileExistsError:  # another process made it first
            pass
    return path.read_text(encoding="ascii").strip().encode("ascii")


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    name: str
    roles: frozenset[str]
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def identity(self, via: str = "key") -> Identity:
        return Identity(name=self.name, roles=self.roles, key_id=self.key_id, via=via)


_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS copydesk_api_keys (
        key_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        roles TEXT NOT NULL,
        digest TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS copydesk_sessions (
        digest TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )""",
)
_KEY_COLUMNS = "key_id, name, roles, created_at, revoked_at"


def normalise_roles(roles: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> frozenset[str]:
    chosen = frozenset(r.strip().lower() for r in roles if r.strip())
    unknown = sorted(chosen - ALL_ROLES)
    if unknown or not chosen:
        raise AuthError(f"unknown or missing role {', '.join(unknown) or '(none)'}; choose from {', '.join(ROLES)}")
    return chosen


class KeyStore:
    """API keys and editor sessions, hashed, in SQLite or PostgreSQL."""

    def __init__(self, db: SqlStore, secret: bytes, session_hours: float = 12.0) -> None:
        self.db = db
        self._secret = secret
        self.session_hours = session_hours
        self.db.script(_SCHEMA)
        self._active_cache: tuple[float, bool] = (0.0, False)
        self._cache_lock = threading.Lock()

    @classmethod
    def open(
        cls, checkpoint_url: str | None, data_dir: Path, secret: str | None, session_hours: float = 12.0
    ) -> KeyStore:
        return cls(SqlStore(checkpoint_url, data_dir / "auth.sqlite"), load_secret(secret, data_dir), session_hours)

    def digest(self, token: str, purpose: str = "key") -> str:
        return hmac.new(self._secret, f"{purpose}|{token}".encode(), hashlib.sha256).hexdigest()

    # keys
    def create(
        self, name: str, roles: list[str] | tuple[str, ...] | set[str] | frozenset[str]
    ) -> tuple[KeyRecord, str]:
        """A new key; returns its record and the plaintext key (shown once, never stored)."""
        name = name.strip()
        if not _NAME_SHAPE.match(name):
            raise AuthError("a key name is 1–64 letters, digits, spaces or _.@- and starts with a letter or digit")
        chosen = normalise_roles(roles)
        key_id = secrets.token_hex(5)
        plaintext = f"cdk_{key_id}_{secrets.token_urlsafe(32)}"
        record = KeyRecord(key_id=key_id, name=name, roles=chosen, created_at=_iso(_now()))
        self.db.execute(
            "INSERT INTO copydesk_api_keys (key_id, name, roles, digest, created_at) VALUES (?, ?, ?, ?, ?)",
            (key_id, name, ",".join(sorted(chosen)), self.digest(plaintext), record.created_at),
        )
        self._active_cache = (0.0, False)
        return record, plaintext

    @staticmethod
    def _record(row: tuple[Any, ...]) -> KeyRecord:
        key_id, name, roles, created_at, revoked_at = row
        return KeyRecord(str(key_id), str(name), frozenset(str(roles).split(",")), str(created_at), revoked_at)

    def list(self) -> list[KeyRecord]:
        rows = self.db.execute(f"SELECT {_KEY_COLUMNS} FROM copydesk_api_keys ORDER BY created_at, key_id")
        return [self._record(r) for r in rows]

    def revoke(self, key_id_or_name: str) -> builtins.list[KeyRecord]:
        """Revoke the key with that id, or every active key with that name; their sessions end too."""
        targets = [k for k in self.list() if k.active and (k.key_id == key_id_or_name or k.name == key_id_or_name)]
        if not targets:
            raise AuthError(f"no active key with id or name {key_id_or_name!r} (see `copydesk keys list`)")
        now = _iso(_now())
        for key in targets:
            self.db.execute("UPDATE copydesk_api_keys SET revoked_at = ? WHERE key_id = ?", (now, key.key_id))
            self.db.execute("DELETE FROM copydesk_sessions WHERE key_id = ?", (key.key_id,))
        self._active_cache = (0.0, False)
        return targets

    def verify(self, token: str) -> KeyRecord | None:
        """The active key this plaintext is, or None."""
        if not _KEY_SHAPE.match(token):
            return None
        rows = self.db.execute(
            f"SELECT {_KEY_COLUMNS} FROM copydesk_api_keys WHERE digest = ? AND revoked_at IS NULL",
            (self.digest(token),),
        )
        return self._record(rows[0]) if rows else None

    def has_active_keys(self, max_age_s: float = 1.0) -> bool:
        """Whether any key exists (cached briefly: a key made by the CLI ends single-user mode within a second)."""
        with self._cache_lock:
            checked_at, value = self._active_cache
            if time.monotonic() - checked_at < max_age_s:
                return value
        rows = self.db.execute("SELECT 1 FROM copydesk_api_keys WHERE revoked_at IS NULL LIMIT 1")
        with self._cache_lock:
            self._active_cache = (time.monotonic(), bool(rows))
        return bool(rows)

    # sessions
    def open_session(self, key: KeyRecord) -> str:
        token = secrets.token_urlsafe(32)
        now = _now()
        expires = now + timedelta(hours=self.session_hours)
        self.db.execute(
            "INSERT INTO copydesk_sessions (digest, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (self.digest(token, "session"), key.key_id, _iso(now), _iso(expires)),
        )
        return token

    def session_identity(self, token: str) -> Identity | None:
        if not token or len(token) > 100:
            return None
        rows = self.db.execute(
            "SELECT k.key_id, k.name, k.roles, k.created_at, k.revoked_at FROM copydesk_sessions s "
            "JOIN copydesk_api_keys k ON k.key_id = s.key_id "
            "WHERE s.digest = ? AND s.expires_at > ? AND k.revoked_at IS NULL",
            (self.digest(token, "session"), _iso(_now())),
        )
        return self._record(rows[0]).identity(via="session") if rows else None

    def close_session(self, token: str) -> None:
        self.db.execute("DELETE FROM copydesk_sessions WHERE digest = ?", (self.digest(token, "session"),))

    # CSRF
    def csrf_token(self, csrf_cookie: str, session_token: str | None) -> str:
        """The form token for a browser: bound to its CSRF cookie and its session (if any)."""
        mac = hmac.new(self._secret, f"csrf|{csrf_cookie}|{session_token or ''}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    def csrf_valid(self, presented: str, csrf_cookie: str | None, session_token: str | None) -> bool:
        if not presented or not csrf_cookie:
            return False
        return hmac.compare_digest(presented, self.csrf_token(csrf_cookie, session_token))

    def close(self) -> None:
        self.db.close()


def is_loopback(host: str | None) -> bool:
    """Whether a client or bind address is this machine's loopback interface."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def template_context(request: Any) -> dict[str, Any]:
    """Jinja context processor: every editor page gets ``csrf_token`` and ``identity``."""
    state = request.state
    return {"csrf_token": getattr(state, "csrf_token", ""), "identity": getattr(state, "identity", None)}
