"""Serve the real app for benchmarks: a study in a fresh database and ``streamlit run app.py`` processes.

Used by ``bench/trials_latency.py`` and ``bench/trials_restart.py``. Each app process is
``python -m streamlit run app.py`` on its own loopback port with the repository's
``.streamlit/config.toml``; several processes on one database stand for app servers behind a
load balancer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

from persona.scratch_postgres import ScratchPostgres
from persona.trials.stimuli import prepare_survey
from persona.trials.store import Store
from persona.trials.survey import load_survey

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "surveys" / "demo_billing_dispute.toml"
DATABASES = ("sqlite", "postgresql")


@contextmanager
def databases(kinds: tuple[str, ...]):
    """Yield ``make(kind, name) -> URL`` making fresh databases (one scratch PostgreSQL server if asked)."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="persona-bench-")))
        server = stack.enter_context(ScratchPostgres()) if "postgresql" in kinds else None

        def make(kind: str, name: str) -> str:
            return f"sqlite:///{folder / f'{name}.sqlite3'}" if kind == "sqlite" else server.new_database(name)

        yield make


def register_study(db_url: str, survey_path: Path, *, listeners: int) -> tuple[Store, list[str]]:
    """Prepare every clip (as ``persona survey invite`` does), register the study, make invite tokens."""
    survey = load_survey(survey_path)
    prepare_survey(survey)
    store = Store(db_url)
    store.register_study(survey)
    return store, store.create_listeners(survey.id, n=listeners)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppProcess:
    """One ``streamlit run app.py`` on a loopback port; :meth:`kill` is ``kill -9``, :meth:`start` restarts."""

    def __init__(self, db_url: str, log: Path):
        self.db_url = db_url
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout_s: float = 120.0) -> None:
        env = {**os.environ, "PERSONA_DB_URL": self.db_url, "PYTHONPATH": str(REPO)}
        argv = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port), "--server.headless", "true"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"{self.base_url} did not answer within {timeout_s} s")

    def kill(self) -> None:
        """``kill -9``: no shutdown handlers, no flushing."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def app_processes(db_url: str, n: int, log_dir: Path):
    """Start ``n`` app processes on one database; yield them; stop them."""
    apps = [AppProcess(db_url, log_dir / f"app{k}.log") for k in range(n)]
    try:
        for app in apps:
            app.start()
        yield apps
    finally:
        for app in apps:
            app.stop()
