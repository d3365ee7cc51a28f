"""Trial storage: studies, listeners, sessions, presentations and responses (SQLAlchemy 2.0 ORM).

The database is chosen by, in order: the ``db_url`` argument, the ``PERSONA_DB_URL``
environment variable (e.g. ``postgresql://user@host/persona``), else a SQLite file in the user
data folder; :mod:`persona.storage` makes the engine (SQLite in WAL mode with a busy timeout,
PostgreSQL through psycopg 3), so many listeners and several app processes can answer at once.

Every answer is one transaction. Unique constraints make answers idempotent: a double click or
a resubmitted form inserts nothing the second time (``save_answer`` returns ``False``), and
one listener can hold one answer per trial, attribute and clip.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ..errors import StoreError
from ..storage import default_db_url, error_reason, make_engine, safe_url
from ..stats.responses import RESPONSE_COLUMNS
from . import migrations
from .survey import Survey, parse_survey

_SCHEMA_LOCK_KEY = 0x7065_7273_6F6E_61  # "persona": the advisory lock held while creating tables
ALL_CLIENTS = "*"
"""The key of the login-failure row that counts every client's failed guesses."""

def utcnow() -> datetime:
    """Naive UTC now (stored naive, so SQLite and PostgreSQL round-trip alike)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class StudyRow(Base):
    __tablename__ = "studies"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    survey_text: Mapped[str] = mapped_column(Text)
    base_dir: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ListenerRow(Base):
    __tablename__ = "listeners"
    __table_args__ = (UniqueConstraint("study_id", "position"), UniqueConstraint("study_id", "participant"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # migrations.token_hash of the invite token
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    consented_at: Mapped[datetime | None] = mapped_column(DateTime)
    headphone_passed: Mapped[bool | None] = mapped_column(Boolean)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    completion_code: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    participant: Mapped[str | None] = mapped_column(String(64))  # crowd.participant_hash of a platform id


class SessionRow(Base):
    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    listener_id: Mapped[int] = mapped_column(ForeignKey("listeners.id"), index=True)
    secret: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PresentationRow(Base):
    __tablename__ = "presentations"
    __table_args__ = (UniqueConstraint("session_id", "trial_id", "slot"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    trial_id: Mapped[str] = mapped_column(String(64))
    slot: Mapped[str] = mapped_column(String(16))
    stimulus_id: Mapped[str] = mapped_column(String(160))
    presented_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    played_full: Mapped[bool] = mapped_column(Boolean, default=False)


class ResponseRow(Base):
    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("listener_id", "trial_id", "attribute", "stimulus_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listener_id: Mapped[int] = mapped_column(ForeignKey("listeners.id"), index=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"))
    trial_id: Mapped[str] = mapped_column(String(64))
    trial_index: Mapped[int] = mapped_column(Integer)
    test_type: Mapped[str] = mapped_column(String(16))
    scenario: Mapped[str] = mapped_column(String(64))
    line_id: Mapped[str] = mapped_column(String(64))
    stimulus_id: Mapped[str] = mapped_column(String(160))
    voice: Mapped[str] = mapped_column(String(160))
    role: Mapped[str] = mapped_column(String(16))
    other_stimulus_id: Mapped[str | None] = mapped_column(String(160))
    other_voice: Mapped[str | None] = mapped_column(String(160))
    other_role: Mapped[str | None] = mapped_column(String(16))
    attribute: Mapped[str] = mapped_column(String(32))
    rating: Mapped[float | None] = mapped_column(Float)
    choice: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[int | None] = mapped_column(Integer)
    is_gold: Mapped[bool] = mapped_column(Boolean)
    gold_correct: Mapped[bool | None] = mapped_column(Boolean)
    practice: Mapped[bool] = mapped_column(Boolean)
    response_time_s: Mapped[float] = mapped_column(Float)
    played_full: Mapped[bool] = mapped_column(Boolean)
    fast_answer: Mapped[bool | None] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class HeadphoneRow(Base):
    __tablename__ = "headphone_checks"
    __table_args__ = (UniqueConstraint("listener_id", "check_index"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listener_id: Mapped[int] = mapped_column(ForeignKey("listeners.id"), index=True)
    check_index: Mapped[int] = mapped_column(Integer)
    correct_answer: Mapped[int] = mapped_column(Integer)
    answer: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LoginFailureRow(Base):
    """Failed admin password guesses of one client (key: a hash of its address) or of all (key :data:`ALL_CLIENTS`)."""

    __tablename__ = "login_failures"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # naive UTC


@dataclass(frozen=True)
class Listener:
    """A listener as the app sees it (the token is the credential and is not repeated here)."""

    id: int
    study_id: str
    position: int
    consented: bool
    headphone_passed: bool | None
    completion_code: str | None


@dataclass(frozen=True)
class ListenerSession:
    """One browser session of a listener; ``secret`` keys its opaque clip ids and dither."""

    id: str
    listener_id: int
    secret: str


def open_database(db_url: str) -> Engine:
    """The engine for ``db_url`` with the trial tables created."""
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":  # app processes starting together create the tables once
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
            Base.metadata.create_all(connection)
            migrations.upgrade(connection, Base.metadata)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the trial database {safe_url(db_url)} ({error_reason(exc)})") from None
    return engine


class Store:
    """Transactions over the trial database; thread-safe (one engine, a session per call)."""

    def __init__(self, db_url: str | None = None):
        self.url = db_url or default_db_url()
        self.engine = open_database(self.url)
        self._surveys: dict[tuple[str, str], Survey] = {}
        # SQLite allows one writer at a time; queueing this process's writers on a lock avoids
        # SQLite's sleeping busy handler (other processes still wait on the busy timeout).
        self._write_lock = threading.Lock() if self.engine.dialect.name == "sqlite" else nullcontext()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """A write transaction, committed on exit and rolled back on error."""
        with self._write_lock, Session(self.engine) as s, s.begin():
            yield s

    @contextmanager
    def login_failures(self, client_key: str) -> Iterator[tuple[Session, LoginFailureRow, LoginFailureRow | None]]:
        """One transaction over the failure rows of all clients and of ``client_key`` (``None`` if it has none).

        Every caller, in every app process, waits its turn: the transaction first writes the
        all-clients row into being, which takes SQLite's database write lock, and on PostgreSQL then
        locks that row (``SELECT ... FOR UPDATE``), so no two guesses read the same counts.
        """
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        with self._transaction() as s:
            s.execute(insert(LoginFailureRow).values(key=ALL_CLIENTS, count=0, last_failure_at=datetime(1970, 1, 1))
                      .on_conflict_do_nothing())  # fmt: skip
            everyone = s.scalars(select(LoginFailureRow).where(LoginFailureRow.key == ALL_CLIENTS).with_for_update()).one()
            yield s, everyone, s.get(LoginFailureRow, client_key)

    @staticmethod
    def forget_login_failures(session: Session, *, before: datetime, keep: int) -> None:
        """In :meth:`login_failures`' transaction: with ``keep`` or more client rows, delete those whose last failure
        is at or before ``before`` (the all-clients row stays)."""
        clients = session.scalar(select(func.count()).select_from(LoginFailureRow).where(LoginFailureRow.key != ALL_CLIENTS))
        if clients >= keep:
            session.execute(delete(LoginFailureRow).where(LoginFailureRow.key != ALL_CLIENTS, LoginFailureRow.last_failure_at <= before))

    # ---- studies ------------------------------------------------------------------------

    def register_study(self, survey: Survey) -> None:
        """Add a study, or update its definition while it has no answers yet.

        Raises
        ------
        StoreError
            If the study already has answers under a different definition.
        """
        with self._transaction() as s:
            row = s.get(StudyRow, survey.id)
            if row is None:
                s.add(StudyRow(id=survey.id, title=survey.title, survey_text=survey.text, base_dir=str(survey.base_dir),
                               secret=secrets.token_hex(32)))  # fmt: skip
                return
            if row.survey_text == survey.text and row.base_dir == str(survey.base_dir):
                return
            answered = s.scalar(
                select(func.count(ResponseRow.id)).join(ListenerRow).where(ListenerRow.study_id == survey.id)
            )
            if answered:
                raise StoreError(
                    f"study {survey.id!r} already has {answered} answers under a different definition; "
                    "give the changed survey a new study id"
                )
            row.title, row.survey_text, row.base_dir = survey.title, survey.text, str(survey.base_dir)

    def study_ids(self) -> list[str]:
        """Ids of all registered studies, sorted."""
        with Session(self.engine) as s:
            return list(s.scalars(select(StudyRow.id).order_by(StudyRow.id)))

    def survey(self, study_id: str) -> Survey:
        """The registered definition of a study (re-validated, cached per definition)."""
        with Session(self.engine) as s:
            row = s.get(StudyRow, study_id)
            if row is None:
                raise StoreError(f"no study {study_id!r} in {self.safe_url}")
            key = (row.id, row.survey_text + row.base_dir)
        if key not in self._surveys:
            self._surveys[key] = parse_survey(row.survey_text, base_dir=Path(row.base_dir), source=f"study {study_id}")
        return self._surveys[key]

    def study_secret(self, study_id: str) -> str:
        """The study's secret (keys completion codes)."""
        with Session(self.engine) as s:
            return s.get_one(StudyRow, study_id).secret

    # ---- listeners ----------------------------------------------------------------------

    def create_listeners(self, study_id: str, *, n: int) -> list[str]:
        """Create ``n`` listeners for a study and return their invite tokens."""
        with self._transaction() as s:
            if s.get(StudyRow, study_id) is None:
                raise StoreError(f"no study {study_id!r}; register the survey first")
            start = s.scalar(select(func.coalesce(func.max(ListenerRow.position) + 1, 0)).where(ListenerRow.study_id == study_id))
            tokens = [secrets.token_urlsafe(18) for _ in range(n)]
            s.add_all(ListenerRow(study_id=study_id, position=start + k, token=migrations.token_hash(t))
                      for k, t in enumerate(tokens))  # fmt: skip
        return tokens

    def participant_listener(self, study_id: str, *, participant: str) -> Listener:
        """The listener of a crowd participant (by hashed id), created at their first arrival.

        Two requests of one participant at once get one listener: the loser of the insert race
        reads the winner's row.
        """
        for _ in range(10):
            found = self._listener((ListenerRow.study_id == study_id) & (ListenerRow.participant == participant))
            if found is not None:
                return found
            try:
                with self._transaction() as s:
                    position = s.scalar(select(func.coalesce(func.max(ListenerRow.position) + 1, 0)).where(ListenerRow.study_id == study_id))
                    s.add(ListenerRow(study_id=study_id, position=position, token=migrations.token_hash(secrets.token_urlsafe(18)),
                                      participant=participant))  # fmt: skip
            except IntegrityError:  # the same participant, or another one taking this position, got there first
                continue
        raise StoreError(f"study {study_id!r}: could not register a participant after 10 tries")

    def listener(self, token: str) -> Listener | None:
        """The listener holding an invite token, or ``None``."""
        return self._listener(ListenerRow.token == migrations.token_hash(token))

    def listener_by_id(self, listener_id: int) -> Listener | None:
        """The listener with this database id, or ``None``."""
        return self._listener(ListenerRow.id == listener_id)

    def _listener(self, condition) -> Listener | None:
        with Session(self.engine) as s:
            row = s.scalar(select(ListenerRow).where(condition))
            if row is None:
                return None
            return Listener(row.id, row.study_id, row.position, row.consented_at is not None, row.headphone_passed,
                            row.completion_code)  # fmt: skip

    def record_consent(self, listener_id: int) -> None:
        """Mark the consent form as accepted (first acceptance kept)."""
        self._update_listener(listener_id, ListenerRow.consented_at.is_(None), consented_at=utcnow())

    def record_headphone_result(self, listener_id: int, *, passed: bool) -> None:
        """Store whether the listener passed the headphone screening."""
        self._update_listener(listener_id, ListenerRow.id.is_not(None), headphone_passed=passed)

    def record_completion(self, listener_id: int, *, code: str) -> None:
        """Mark the listener finished with a completion code (first completion kept)."""
        self._update_listener(listener_id, ListenerRow.completed_at.is_(None), completed_at=utcnow(), completion_code=code)

    def record_comment(self, listener_id: int, *, comment: str) -> None:
        """Store the listener's free-text comment as plain text."""
        self._update_listener(listener_id, ListenerRow.id.is_not(None), comment=comment)

    def _update_listener(self, listener_id: int, condition, **values) -> None:
        with self._transaction() as s:
            s.execute(update(ListenerRow).where(ListenerRow.id == listener_id, condition).values(**values))

    # ---- sessions and presentations -----------------------------------------------------

    def open_session(self, listener_id: int) -> ListenerSession:
        """Start a browser session for a listener."""
        session = ListenerSession(secrets.token_hex(16), listener_id, secrets.token_hex(32))
        with self._transaction() as s:
            s.add(SessionRow(id=session.id, listener_id=listener_id, secret=session.secret))
        return session

    def record_presentations(self, session_id: str, *, trial_id: str, clips: list[tuple[str, str]]) -> None:
        """Note that a trial's clips, ``(slot, stimulus id)``, were put on screen (once per session)."""
        try:
            with self._transaction() as s:
                shown = set(s.scalars(select(PresentationRow.slot).where(
                    PresentationRow.session_id == session_id, PresentationRow.trial_id == trial_id)))  # fmt: skip
                s.add_all(PresentationRow(session_id=session_id, trial_id=trial_id, slot=slot, stimulus_id=stimulus_id)
                          for slot, stimulus_id in clips if slot not in shown)  # fmt: skip
        except IntegrityError:  # the same session recorded them a moment ago
            pass

    def mark_played(self, session_id: str, *, trial_id: str, slot: str) -> None:
        """Note that a clip was played to its end."""
        with self._transaction() as s:
            s.execute(
                update(PresentationRow)
                .where(PresentationRow.session_id == session_id, PresentationRow.trial_id == trial_id, PresentationRow.slot == slot)
                .values(played_full=True)
            )

    # ---- answers ------------------------------------------------------------------------

    def save_answer(self, rows: list[dict]) -> bool:
        """Insert the response rows of one trial in one transaction.

        Returns
        -------
        bool
            ``False`` if the trial was already answered (nothing is written).
        """
        stamp = utcnow()
        try:
            with self._transaction() as s:
                s.add_all(ResponseRow(answered_at=stamp, **row) for row in rows)
        except IntegrityError:
            return False
        return True

    def answered_trials(self, listener_id: int) -> set[str]:
        """Ids of the trials this listener has answered."""
        with Session(self.engine) as s:
            return set(s.scalars(select(ResponseRow.trial_id).where(ResponseRow.listener_id == listener_id).distinct()))

    def save_headphone_answer(self, listener_id: int, *, check_index: int, answer: int, correct_answer: int) -> bool:
        """Store one headphone-check answer with its correct answer; ``False`` if already answered."""
        return self._insert_once(
            HeadphoneRow(listener_id=listener_id, check_index=check_index, answer=answer, correct_answer=correct_answer)
        )

    def headphone_answers(self, listener_id: int) -> dict[int, bool]:
        """Headphone-check index -> answered correctly."""
        with Session(self.engine) as s:
            rows = s.execute(
                select(HeadphoneRow.check_index, HeadphoneRow.answer == HeadphoneRow.correct_answer).where(
                    HeadphoneRow.listener_id == listener_id
                )
            )
            return {index: bool(correct) for index, correct in rows}

    def _insert_once(self, row: Base) -> bool:
        try:
            with self._transaction() as s:
                s.add(row)
        except IntegrityError:
            return False
        return True

    # ---- reporting ----------------------------------------------------------------------

    def listeners_frame(self, study_id: str) -> pd.DataFrame:
        """One row per listener: public id, position, consent, headphone result, completion, comment."""
        query = select(
            ListenerRow.position, ListenerRow.consented_at, ListenerRow.headphone_passed, ListenerRow.completed_at,
            ListenerRow.completion_code, ListenerRow.comment,
        ).where(ListenerRow.study_id == study_id).order_by(ListenerRow.position)  # fmt: skip
        with self.engine.connect() as c:
            frame = pd.DataFrame(c.execute(query).all(), columns=[
                "position", "consented_at", "headphone_passed", "completed_at", "completion_code", "comment"])  # fmt: skip
        frame.insert(0, "listener_id", frame["position"].map(public_listener_id))
        return frame

    def responses_frame(self, study_id: str) -> pd.DataFrame:
        """All answers of a study in the tidy responses schema (one row per rating), by listener and trial."""
        r, listener = ResponseRow, ListenerRow
        query = (
            select(
                listener.study_id, listener.position, r.session_id, r.trial_id, r.trial_index, r.test_type, r.scenario,
                r.line_id, r.stimulus_id, r.voice, r.role, r.other_stimulus_id, r.other_voice, r.other_role, r.attribute,
                r.rating, r.choice, r.confidence, r.is_gold, r.gold_correct, listener.headphone_passed, r.practice,
                r.response_time_s, r.played_full, func.coalesce(r.fast_answer, False), r.answered_at,
            )
            .join(listener, r.listener_id == listener.id)
            .where(listener.study_id == study_id)
            .order_by(listener.position, r.trial_index, r.id)
        )  # fmt: skip
        with self.engine.connect() as c:
            rows = c.execute(query).all()
        columns = list(RESPONSE_COLUMNS)
        columns[columns.index("listener_id")] = "position"
        frame = pd.DataFrame(rows, columns=columns)
        frame.insert(1, "listener_id", frame.pop("position").map(public_listener_id))
        frame["confidence"] = frame["confidence"].astype("Int64")
        frame["answered_at"] = pd.to_datetime(frame["answered_at"]).dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return frame[list(RESPONSE_COLUMNS)]

    @property
    def safe_url(self) -> str:
        """The database URL with any password masked, for messages."""
        return safe_url(self.url)


def public_listener_id(position: int) -> str:
    """The exported listener id (``L0007``); invite tokens are credentials and never exported."""
    return f"L{position:04d}"


def responses_frame(study_id: str, *, db_url: str | None = None) -> pd.DataFrame:
    """All answers of a study as the tidy responses table (see the module docstring for the URL)."""
    store = Store(db_url)
    if study_id not in store.study_ids():
        raise StoreError(f"no study {study_id!r} in {store.safe_url}")
    return store.responses_frame(study_id)
