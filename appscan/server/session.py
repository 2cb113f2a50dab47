"""People's sessions in the web UI: a signed, expiring cookie, and a CSRF token per session.

API keys are for machines; people log in with their tenant, login and password (``review_records.verify_password``,
argon2). The session is a cookie holding the tenant, login, session epoch and the session's CSRF token, signed with
``itsdangerous`` (HMAC-SHA1 over a timestamped payload) so it cannot be forged or altered, and refused once it is
older than ``WebSettings.session_hours``. A session ends when it expires, when the browser drops the cookie (log-out
overwrites it), when the server's secret changes (a secret generated at start ends every session with the server),
and at once when an admin disables the person, sets their password or role: the cookie carries the person's session
epoch, which every such change moves on, and every request reads the person's role and epoch from the store (one
indexed row), so the role in force is always the stored one. The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's
page sends it) and Secure (https only) unless ``--insecure-cookies`` is given for plain-http tests on loopback.

Every form carries the session's CSRF token and every POST is refused (403) without it: SameSite=Strict already keeps
other sites' forms from arriving with the cookie, the token keeps it so for browsers and proxies that do not honour
it. The log-in form, which comes before any session, carries a token bound to a short-lived pre-session cookie
(double submit), so another site cannot log a browser in as someone else either.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from appscan.store.review_records import ROLES

__all__ = ["COOKIE", "LOGIN_COOKIE", "LANG_COOKIE", "SessionUser", "Sessions", "WebSettings"]

COOKIE = "appscan_session"
LOGIN_COOKIE = "appscan_login"
"""The pre-session cookie whose token the log-in form must echo."""
LANG_COOKIE = "appscan_lang"
"""The chosen UI language (not a secret: it is not signed, and any value but a known language is ignored)."""
SECRET_ENV = "APPSCAN_SESSION_SECRET"
_LOGIN_MAX_AGE_S = 30 * 60
"""How long a log-in form stays good to submit."""


@dataclass(frozen=True)
class WebSettings:
    """What ``appscan serve`` configures for the web UI."""

    session_secret: str | None = None
    """Key that signs session cookies; None: one generated at start (sessions then end with the server)."""
    session_hours: float = 8.0
    """A session ends this long after log-in (a working day), whatever is done meanwhile."""
    secure_cookies: bool = True
    """Cookies only over https; False (``--insecure-cookies``) for plain http on loopback, as in tests."""


@dataclass(frozen=True)
class SessionUser:
    """The person a request comes from."""

    tenant: str
    login: str
    role: str
    csrf: str
    """The token every form of this session carries."""

    @property
    def admin(self) -> bool:
        return self.role == "admin"


PersonState = Callable[[str, str], "tuple[str, int] | None"]
"""(tenant, login) -> the enabled person's stored role and session epoch, None for a disabled or unknown person
(``review_records.session_state`` on the service's store)."""


class Sessions:
    """Issues and checks session cookies and CSRF tokens with one secret."""

    def __init__(self, settings: WebSettings, person_state: PersonState) -> None:
        secret = settings.session_secret or os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32)
        self.settings = settings
        self._person_state = person_state
        self._session = URLSafeTimedSerializer(secret, salt="appscan-session")
        self._login = URLSafeTimedSerializer(secret, salt="appscan-login")
        self.max_age_s = int(settings.session_hours * 3600)

    def _cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/ui", httponly=True, samesite="strict",
                            secure=self.settings.secure_cookies)

    def user(self, request: Request) -> SessionUser | None:
        """The session's person, or None without a cookie, with a forged or altered one, an expired one, or one
        the person's stored state no longer matches (disabled, new password or role)."""
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data: dict[str, Any] = self._session.loads(raw, max_age=self.max_age_s)
        except BadSignature:  # SignatureExpired is one too
            return None
        if not isinstance(data, dict) or not {"t", "l", "e", "c"} <= data.keys():
            return None
        state = self._person_state(str(data["t"]), str(data["l"]))
        if state is None or state[1] != data["e"] or state[0] not in ROLES:
            return None
        return SessionUser(str(data["t"]), str(data["l"]), state[0], str(data["c"]))

    def start(self, response: Response, tenant: str, login: str) -> bool:
        """Log a person in: a new session (and a new CSRF token) replaces whatever the browser held. False (and
        no session) when the person was disabled meanwhile."""
        state = self._person_state(tenant, login)
        if state is None:
            return False
        token = self._session.dumps({"t": tenant, "l": login, "e": state[1], "c": secrets.token_urlsafe(24)})
        self._cookie(response, COOKIE, token, self.max_age_s)
        response.delete_cookie(LOGIN_COOKIE, path="/ui")
        return True

    def end(self, response: Response) -> None:
        """Log out: the browser drops the cookie."""
        response.delete_cookie(COOKIE, path="/ui", httponly=True, samesite="strict",
                               secure=self.settings.secure_cookies)

    def login_token(self, request: Request) -> tuple[str, str | None]:
        """The token the log-in form carries, and the pre-session cookie to set for it (None: the browser's cookie
        is still good and holds it)."""
        try:
            return str(self._login.loads(request.cookies.get(LOGIN_COOKIE, ""), max_age=_LOGIN_MAX_AGE_S)), None
        except BadSignature:
            token = secrets.token_urlsafe(24)
            return token, self._login.dumps(token)

    def keep_login_token(self, response: Response, cookie: str | None) -> None:
        """Set the pre-session cookie ``login_token`` made, if it made one."""
        if cookie is not None:
            self._cookie(response, LOGIN_COOKIE, cookie, _LOGIN_MAX_AGE_S)

    def login_token_ok(self, request: Request, sent: str) -> bool:
        """True when a log-in form's token is the one of the browser's pre-session cookie."""
        try:
            expected = str(self._login.loads(request.cookies.get(LOGIN_COOKIE, ""), max_age=_LOGIN_MAX_AGE_S))
        except BadSignature:
            return False
        return bool(sent) and hmac.compare_digest(expected, sent)

    @staticmethod
    def csrf_ok(user: SessionUser, sent: str | None) -> bool:
        """True when a POST carries the session's CSRF token."""
        return bool(sent) and hmac.compare_digest(user.csrf, sent or "")
