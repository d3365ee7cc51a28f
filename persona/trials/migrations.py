"""Bring a trial database written by an older persona up to the current tables, losing nothing.

``create_all`` makes missing tables but never touches existing ones, so each change of an
existing table has a step here, run on every start and idempotent:

* columns added since (nullable, e.g. ``responses.fast_answer``) are added with ``ALTER TABLE``;
  rows answered before the flag existed read it as false (they carry no evidence either way);
* uniqueness added since (``listeners (study_id, participant)``: one listener per crowd
  participant) is enforced by a unique index; rows written before have no participant, and NULLs
  never collide, so the index builds on any older database;
* invite tokens stored in plain text are replaced by their SHA-256 hash (:func:`token_hash`), in
  place, so every invite link already sent keeps working and no listener row changes identity.
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import MetaData, UniqueConstraint, inspect, text
from sqlalchemy.engine import Connection

_HASHED = re.compile(r"^[0-9a-f]{64}$")  # a plaintext token (24 URL-safe base64 characters) never looks like this


def token_hash(token: str) -> str:
    """How an invite token is stored: its SHA-256 hex digest (the token itself is never stored).

    Tokens carry 144 random bits, so an unsalted fast hash is enough: there is nothing to guess.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def upgrade(c: Connection, metadata: MetaData) -> None:
    """Add missing nullable columns and unique constraints of ``metadata``'s tables and hash plaintext invite
    tokens (in ``c``'s transaction)."""
    present = inspect(c)
    for table in metadata.sorted_tables:
        have = {col["name"] for col in present.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have and column.nullable:
                c.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {column.type.compile(dialect=c.dialect)}"))
    _add_unique_indexes(c, metadata)
    for row_id, token in c.execute(text("SELECT id, token FROM listeners")).all():
        if not _HASHED.match(token):
            c.execute(text("UPDATE listeners SET token = :h WHERE id = :i"), {"h": token_hash(token), "i": row_id})


def _add_unique_indexes(c: Connection, metadata: MetaData) -> None:
    """A unique index for each unique constraint of ``metadata`` the database's tables lack."""
    present = inspect(c)  # a fresh inspector: it sees the columns just added
    for table in metadata.sorted_tables:
        enforced = {frozenset(u["column_names"]) for u in present.get_unique_constraints(table.name)}
        enforced |= {frozenset(i["column_names"]) for i in present.get_indexes(table.name) if i["unique"]}
        for constraint in table.constraints:
            columns = list(constraint.columns.keys()) if isinstance(constraint, UniqueConstraint) else []
            if columns and frozenset(columns) not in enforced:
                c.execute(text(f"CREATE UNIQUE INDEX uq_{table.name}_{'_'.join(columns)} ON {table.name} ({', '.join(columns)})"))
