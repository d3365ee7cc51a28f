"""Shared pieces of the app pages: the cached trial store and the admin password gate."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from persona.storage import default_db_url
from persona.trials import access
from persona.trials.store import Store

_ADMIN_FLAG = "admin_authorised"


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


def require_admin() -> None:
    """Stop the page unless this session has entered the admin password.

    The password comes from ``st.secrets["admin_password"]`` or ``PERSONA_ADMIN_PASSWORD``;
    with neither set the admin pages stay closed. Listener tokens play no part here.
    """
    expected = access.admin_password(_secret_password())
    if expected is None:
        st.error("The team pages are closed: set `admin_password` in `.streamlit/secrets.toml` "
                 f"or the `{access.ADMIN_PASSWORD_ENV}` environment variable.")  # fmt: skip
        st.stop()
    if st.session_state.get(_ADMIN_FLAG):
        return
    given = st.text_input("Team password", type="password", key="admin_password_input")
    if access.check_password(given, expected):
        st.session_state[_ADMIN_FLAG] = True
        return
    if given:
        st.error("Wrong password.")
    st.stop()
