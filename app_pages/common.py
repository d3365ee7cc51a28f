"""Shared pieces of the app pages: the cached trial store and the admin password gate."""

from __future__ import annotations

import time

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from persona.errors import StoreError
from persona.storage import default_db_url
from persona.trials import access
from persona.trials.store import Store

_ADMIN_FLAG = "admin_authorised"  # monotonic time of the session's last admin page run
_LOGIN_MESSAGE = "admin_login_message"


@st.cache_resource(show_spinner=False)
def _store(db_url: str) -> Store:
    return Store(db_url)


def get_store() -> Store:
    """The app's :class:`~persona.trials.store.Store` (one engine per database URL, shared by sessions)."""
    return _store(default_db_url())


def _secret_password() -> str | None:
    try:
        return st.secrets.get("admin_password")
    except StreamlitSecretNotFoundError:
        return None


def _client() -> str:
    """Who is guessing: the connection's address (behind a proxy every client shares one, then the global limit applies)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "unknown"


def _logout() -> None:
    st.session_state.pop(_ADMIN_FLAG, None)


def require_admin() -> None:
    """Stop the page unless this session has entered the admin password and has not expired or logged out.

    The password comes from ``st.secrets["admin_password"]`` or ``PERSONA_ADMIN_PASSWORD``;
    with neither set the admin pages stay closed. Guesses are slowed by a
    :class:`persona.trials.access.LoginGuard` counting in the trial database (shared by every app
    process); a session ends after :data:`~persona.trials.access.ADMIN_IDLE_S` idle seconds.
    Listener tokens play no part here.
    """
    expected = access.admin_password(_secret_password())
    if expected is None:
        st.error("The team pages are closed: set `admin_password` in `.streamlit/secrets.toml` "
                 f"or the `{access.ADMIN_PASSWORD_ENV}` environment variable.")  # fmt: skip
        st.stop()
    now = time.monotonic()
    last_seen = st.session_state.get(_ADMIN_FLAG)
    if last_seen is not None and now - last_seen <= access.ADMIN_IDLE_S:
        st.session_state[_ADMIN_FLAG] = now
        st.sidebar.button("Log out", key="admin_logout", on_click=_logout)
        return
    if last_seen is not None:
        _logout()
        st.info("Your team session expired; please enter the password again.")
    st.text_input("Team password", type="password", key="admin_password_input", on_change=_try_login, args=(expected,))
    if _LOGIN_MESSAGE in st.session_state:
        st.error(st.session_state.pop(_LOGIN_MESSAGE))
    st.stop()


def _try_login(expected: str) -> None:
    """Check a newly typed password (once per change, so reruns never count as guesses)."""
    given = st.session_state.pop("admin_password_input", "")
    if not given:
        return
    try:
        accepted, wait_s = access.LoginGuard(get_store()).check(_client(), given, expected)
    except StoreError:  # fail closed; the database address is not for someone who has not logged in
        st.session_state[_LOGIN_MESSAGE] = "Could not check the password (the trial database is unreachable); try again."
        return
    if accepted:
        st.session_state[_ADMIN_FLAG] = time.monotonic()
    else:
        st.session_state[_LOGIN_MESSAGE] = (
            f"Too many wrong guesses: wait {wait_s:.0f} s before trying again." if wait_s else "Wrong password."
        )
