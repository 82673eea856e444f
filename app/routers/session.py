"""Editor sign-in: ``/login`` exchanges an API key for a session cookie; ``/logout`` ends it.

The cookie holds an opaque random token (only its hash is stored), HttpOnly and
SameSite=Strict, Secure over HTTPS. Both forms are CSRF-checked by the security
middleware like every other form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.auth import SESSION_COOKIE
from app.desk_context import ui_language_of
from app.desk_i18n import translator
from app.routers.deps import KeysDep
from app.security import cookie_header

_ENV = Environment(
    loader=FileSystemLoader(str(Path(__file__).resolve().parent.parent / "templates")),
    autoescape=select_autoescape(["html"]),
)
MAX_KEY_CHARS = 200
MAX_NEXT_CHARS = 500
KEY_COMMAND = "copydesk keys create --role editor --name YOUR-NAME"
# The desk's policy (app.editor.CSP) minus what the sign-in form never needs.
LOGIN_CSP = (
    "default-src 'none'; style-src 'self'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def safe_next(path: str | None) -> str:
    """Only a path on this site (no ``//host``, no scheme): the login form is no open redirect."""
    if not path or len(path) > MAX_NEXT_CHARS or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/editor"
    if path in ("/login", "/logout"):
        return "/editor"
    return path


def render_login(csrf_token: str, next_path: str = "/editor", error: str = "", language: str = "en") -> str:
    """The sign-in form in the UI language; ``error`` is a catalogue key (``login.invalid``)."""
    t = translator(language)
    return _ENV.get_template("login.html").render(
        csrf_token=csrf_token,
        next_path=safe_next(next_path),
        error=t(error) if error else "",
        t=t,
        ui_lang=language,
        command=KEY_COMMAND,
    )


def login_page(body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status_code, headers={"Content-Security-Policy": LOGIN_CSP})


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/editor") -> HTMLResponse:
        return login_page(render_login(request.state.csrf_token, next, language=ui_language_of(request)))

    @router.post("/login")
    def login(
        request: Request,
        keys: KeysDep,
        key: Annotated[str, Form(max_length=MAX_KEY_CHARS)] = "",
        next: Annotated[str, Form(max_length=MAX_NEXT_CHARS)] = "/editor",
    ) -> Response:
        record = keys.verify(key.strip())
        if record is None:
            body = render_login(request.state.csrf_token, next, "login.invalid", ui_language_of(request))
            return login_page(body, status_code=401)
        token = keys.open_session(record)
        response = RedirectResponse(safe_next(next), status_code=303)
        secure = request.url.scheme == "https" or bool(getattr(request.app.state, "secure_cookies", False))
        name, value = cookie_header(SESSION_COOKIE, token, secure=secure, max_age=int(keys.session_hours * 3600))
        response.raw_headers.append((name, value))
        return response

    @router.post("/logout")
    def logout(request: Request, keys: KeysDep) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            keys.close_session(token)
        response = RedirectResponse("/login", status_code=303)
        name, value = cookie_header(SESSION_COOKIE, "", secure=request.url.scheme == "https", max_age=0)
        response.raw_headers.append((name, value))
        return response

    return router
