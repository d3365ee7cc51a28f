"""Crowd platforms (Prolific and the like): participant ids from the study link, completion links.

A platform sends each participant to one study link, ``<app>/?study=<study id>&PROLIFIC_PID=<id>``
(the parameter is the survey's ``crowd.participant_param``). The participant id is never
stored: the listener row keeps an HMAC-SHA256 of it under the study's server-side secret, which
is enough to resume a returning participant and to refuse a second listener row for the same
person, and the export names listeners only by ``L0007``-style ids. When the listener finishes,
the page links to the survey's ``crowd.completion_url`` with ``{code}`` replaced by the
listener's completion code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import quote

STUDY_PARAM = "study"
_PARTICIPANT_SHAPE = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")


def is_participant_shaped(value: object) -> bool:
    """Whether a query value could be a platform participant id (checked before any lookup)."""
    return isinstance(value, str) and bool(_PARTICIPANT_SHAPE.match(value))


def participant_hash(study_secret: str, participant_id: str) -> str:
    """How a participant id is stored: HMAC-SHA256 under the study's secret, hex (64 characters)."""
    return hmac.new(study_secret.encode(), f"participant:{participant_id}".encode(), hashlib.sha256).hexdigest()


def completion_link(completion_url: str, code: str) -> str:
    """The completion URL with ``{code}`` replaced by the (URL-quoted) completion code."""
    return completion_url.format(code=quote(code, safe=""))
