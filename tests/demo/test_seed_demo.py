"""The first minute of `make run`: loading the demo on the embedded default
(SQLite, Celery tasks run in-process) prints what it did and ends with the demo
logins, not buried under a log line per task or kombu's broker warning."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from demo.management.commands.seed_demo import DEMO_COMPANIES, DEMO_DOMAIN, ORGANISER

ROOT = Path(__file__).resolve().parent.parent.parent


def _manage(*args: str, database: Path, **extra: str) -> str:
    """stdout and stderr in the order a terminal shows them."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))},
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{database}",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    return result.stdout


def _ends_with_the_logins(output: str) -> None:
    lines = output.rstrip("\n").splitlines()
    logins = [ORGANISER, *DEMO_COMPANIES]
    assert lines[-len(logins) - 1] == "Demo logins (password for all: carbridge-demo):"
    assert [line.split()[1] for line in lines[-len(logins) :]] == [
        f"{company.login}@{DEMO_DOMAIN}" for company in logins
    ]


def test_the_demo_loads_quietly_and_ends_with_the_logins(tmp_path):
    database = tmp_path / "demo.sqlite3"
    _manage("migrate", "--noinput", "--verbosity", "0", database=database)

    output = _manage("seed_demo", database=database)

    assert "succeeded" not in output
    assert "No hostname" not in output
    assert "Matching: " in output
    _ends_with_the_logins(output)


@pytest.mark.integration
def test_with_a_worker_the_demo_still_runs_its_tasks_here_and_mails_nobody(tmp_path, redis_url):
    """Sent to a worker, the demo's emails (to addresses that lead nowhere)
    would fill its console, after the logins; they run in seed_demo instead."""

    database, queue = tmp_path / "demo.sqlite3", f"carbridge-test-{uuid.uuid4().hex[:12]}"
    _manage("migrate", "--noinput", "--verbosity", "0", database=database)

    broker = redis.Redis.from_url(redis_url)
    try:
        output = _manage("seed_demo", database=database, REDIS_URL=redis_url, CELERY_QUEUE=queue)
        assert broker.llen(queue) == 0
    finally:
        broker.delete(queue)
    assert "succeeded" not in output
    assert "Subject:" not in output
    _ends_with_the_logins(output)
