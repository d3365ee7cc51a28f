"""Who may see what: invite tokens for listeners, a password for the admin pages.

The admin password comes from Streamlit secrets (``admin_password``) or the environment
variable ``PERSONA_ADMIN_PASSWORD``; it is never stored in the repository. With no password
configured the admin pages stay closed. A listener token is a different credential and never
opens them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from urllib.parse import urlencode, urlsplit

ADMIN_PASSWORD_ENV = "PERSONA_ADMIN_PASSWORD"
TOKEN_PARAM = "token"
DEFAULT_BASE_URL = "http://localhost:8501"
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


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
    """The invite link a listener opens: the app's address (default :data:`DEFAULT_BASE_URL`) with ``?token=...``."""
    return f"{(base_url or DEFAULT_BASE_URL).rstrip('/')}/?{urlencode({TOKEN_PARAM: token})}"


def completion_code(study_secret: str, listener_position: int) -> str:
    """A 10-character completion code a panel provider can verify against the export."""
    digest = hmac.new(study_secret.encode(), f"complete:{listener_position}".encode(), hashlib.sha256)
    return digest.hexdigest()[:10].upper()
