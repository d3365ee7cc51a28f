"""Who may see what: invite tokens for listeners, a password for the admin pages.

The admin password comes from Streamlit secrets (``admin_password``) or the environment
variable ``PERSONA_ADMIN_PASSWORD``; it is never stored in the repository. With no password
configured the admin pages stay closed. A listener token is a different credential and never
opens them. Password guesses are slowed by :class:`LoginGuard` (exponential back-off per
client and across all clients, counted in the trial database so every app process shares them;
while a wait runs no guess is even checked), and an admin
session ends after :data:`ADMIN_IDLE_S` without a page run, or at logout.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from sqlalchemy.exc import SQLAlchemyError

from ..errors import ParameterError, StoreError
from ..storage import error_reason
from .store import LoginFailureRow, Store, utcnow

ADMIN_PASSWORD_ENV = "PERSONA_ADMIN_PASSWORD"
TOKEN_PARAM = "token"
DEFAULT_BASE_URL = "http://localhost:8501"
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
ADMIN_IDLE_S = 30 * 60
"""An admin session ends after this many seconds without a page run."""
FREE_GUESSES_PER_CLIENT = 5
FREE_GUESSES_GLOBAL = 20
MAX_WAIT_S = 15 * 60
FORGET_AFTER_S = 60 * 60
"""Failed guesses older than this (s, with none since) are forgotten."""
MAX_CLIENTS = 10_000  # client rows kept before stale ones are deleted (bounds the guard's table)


def is_token_shaped(token: object) -> bool:
    """Whether a query value could be an invite token (checked before any database lookup)."""
    return isinstance(token, str) and bool(_TOKEN_SHAPE.match(token))


def admin_password(from_secrets: str | None = None) -> str | None:
    """The configured admin password: the secrets value, else ``PERSONA_ADMIN_PASSWORD``, else ``None``."""
    return from_secrets or os.environ.get(ADMIN_PASSWORD_ENV) or None


def check_password(given: str, expected: str | None) -> bool:
    """Constant-time password check; always ``False`` when no password is configured."""
    return bool(expected) and bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def app_base_url(page_url: str | None, *, base_path: str = "", address: str | None = None, port: int | None = None) -> str:
    """The address listeners open: the scheme and host of the page the admin is on, else the configured address and port.

    ``page_url`` is the page's URL as the browser sent it (Streamlit's ``st.context.url``);
    ``base_path`` is ``server.baseUrlPath``; ``address`` and ``port`` are ``browser.serverAddress``
    and ``browser.serverPort`` (or ``server.port``), used when there is no page URL.

    >>> app_base_url("https://trials.example.org/admin?x=1", base_path="persona")
    'https://trials.example.org/persona'
    >>> app_base_url(None, address="10.0.0.5", port=8600)
    'http://10.0.0.5:8600'
    """
    parts = urlsplit(page_url or "")
    root = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else f"http://{address or 'localhost'}:{port or 8501}"
    return f"{root}/{base_path.strip('/')}".rstrip("/")


def invite_url(token: str, *, base_url: str | None = None) -> str:
    """The invite link a listener opens: the app's address (default :data:`DEFAULT_BASE_URL`) with ``?token=...``.

    Raises
    ------
    ParameterError
        If ``base_url`` is not a plain ``http(s)://host...`` address (no ``javascript:``, no
        credentials, query or fragment), so a link can only open the app.
    """
    base = check_base_url(base_url or DEFAULT_BASE_URL)
    return f"{base.rstrip('/')}/?{urlencode({TOKEN_PARAM: token})}"


def check_base_url(base_url: str) -> str:
    """``base_url`` if it is an ``http``/``https`` address with a host and nothing that could hide a different target."""
    try:
        parts = urlsplit(base_url.strip())
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and not (
            parts.username or parts.password or parts.query or parts.fragment
        ) and not any(c.isspace() or ord(c) < 32 for c in base_url.strip())
    except ValueError:
        ok = False
    if not ok:
        raise ParameterError(f"--base-url {base_url[:80]!r}: use the app's http:// or https:// address, e.g. {DEFAULT_BASE_URL}")
    return base_url.strip()


def completion_code(study_secret: str, listener_position: int) -> str:
    """A 10-character completion code a panel provider can verify against the export."""
    digest = hmac.new(study_secret.encode(), f"complete:{listener_position}".encode(), hashlib.sha256)
    return digest.hexdigest()[:10].upper()


def backoff_s(failures: int, *, free: int, max_wait_s: float = MAX_WAIT_S) -> float:
    """Seconds to wait after the last of ``failures`` failed guesses when ``free`` come without a wait.

    >>> [backoff_s(n, free=5) for n in (4, 5, 6, 7, 20)]
    [0.0, 1.0, 2.0, 4.0, 900.0]
    """
    return 0.0 if failures < free else float(min(max_wait_s, 2.0 ** (failures - free)))


def client_key(client: str, secret: str) -> str:
    """How a client's address is stored: its HMAC-SHA256 hex digest keyed by ``secret`` (the team password), never the
    address itself. An unkeyed digest of an IPv4 address is reversed by hashing all 2^32 addresses; a keyed one is not
    without the password."""
    return hmac.new(secret.encode(), f"persona-login:{client}".encode(), hashlib.sha256).hexdigest()


class LoginGuard:
    """Exponential back-off on password guesses, per client and across all clients, counted in the trial database.

    After ``free_per_client`` failed guesses a client waits 1 s, then 2, 4, ... up to
    ``max_wait_s`` before its next guess is checked; after ``free_global`` failures from all
    clients together everyone waits the same way (a guesser rotating addresses is slowed too).
    Failures are forgotten after :data:`FORGET_AFTER_S` without one; a right password clears only
    its client's count. Clients are stored by :func:`client_key`, keyed by the password, so changing
    the password starts each client's count afresh (the all-clients count stays). The counts live in ``store``'s database, so every app process on it sees
    the same ones and a restart forgets nothing; each guess is one transaction that waits for the
    others (see :meth:`~persona.trials.store.Store.login_failures`). ``clock`` gives naive UTC now.
    """

    def __init__(self, store: Store, *, free_per_client: int = FREE_GUESSES_PER_CLIENT, free_global: int = FREE_GUESSES_GLOBAL,
                 max_wait_s: float = MAX_WAIT_S, clock: Callable[[], datetime] = utcnow):  # fmt: skip
        self.store, self.clock = store, clock
        self.free_per_client, self.free_global, self.max_wait_s = free_per_client, free_global, max_wait_s

    def check(self, client: str, given: str, expected: str | None) -> tuple[bool, float]:
        """``(accepted, wait_s)``: during a wait the guess is refused unchecked, with the seconds left.

        Raises
        ------
        StoreError
            If the database cannot be reached (nothing is checked then).
        """
        key = client_key(client, expected or "")
        try:
            with self.store.login_failures(key) as (session, everyone, mine):
                now = self.clock()
                if mine is not None and self._stale(mine, now):
                    mine.count = 0
                if self._stale(everyone, now):
                    everyone.count = 0
                wait = self._wait(mine, everyone, now)
                if wait > 0:
                    return False, wait
                if check_password(given, expected):
                    if mine is not None:
                        session.delete(mine)
                    return True, 0.0
                if mine is None:
                    self.store.forget_login_failures(session, before=now - timedelta(seconds=FORGET_AFTER_S), keep=MAX_CLIENTS)
                    mine = LoginFailureRow(key=key, count=0)
                    session.add(mine)
                for failures in (mine, everyone):
                    failures.count, failures.last_failure_at = failures.count + 1, now
                return False, self._wait(mine, everyone, now)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot check the password guess against {self.store.safe_url} ({error_reason(exc)})") from None

    def _wait(self, mine: LoginFailureRow | None, everyone: LoginFailureRow, now: datetime) -> float:
        """Seconds left of the longer of the client's and everyone's back-off."""
        rows = [(everyone, self.free_global)] + ([(mine, self.free_per_client)] if mine is not None else [])
        return max(0.0, *(backoff_s(row.count, free=free, max_wait_s=self.max_wait_s) - (now - row.last_failure_at).total_seconds()
                          for row, free in rows))  # fmt: skip

    @staticmethod
    def _stale(failures: LoginFailureRow, now: datetime) -> bool:
        return (now - failures.last_failure_at).total_seconds() >= FORGET_AFTER_S
