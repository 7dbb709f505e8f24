"""Fixtures shared by the whole suite.

Integration fixtures (`postgres`, `redis_url`, `celery_worker`) skip when their
service is not configured, and fail instead when REQUIRE_SERVICES=1, so CI can
never pass by skipping them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection, connections
from django.test import Client
from django.utils import translation

from accounts.models import Membership, Organisation, User
from config.celery import app as celery_app
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


def _service_missing(service: str, reason: str) -> None:
    message = f"{service} unavailable: {reason}"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} (REQUIRE_SERVICES=1, so this is a failure, not a skip)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory) -> None:
    """On SQLite, test in a database file (one per xdist worker) rather than
    pytest-django's shared in-memory one, whose table locks behave unlike the
    file `make run` uses: the concurrency tests need the real thing."""
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("sqlite") / "test.sqlite3")


@pytest.fixture(scope="session")
def _private_media_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("private-media")


@pytest.fixture(autouse=True)
def _isolated_cache_and_eager_tasks(settings, _private_media_root) -> Iterator[None]:
    """Each test gets its own in-memory cache (allauth's rate limits live there)
    and runs Celery tasks in-process; integration tests opt into a worker.
    Uploaded import files go to a temporary directory, not the checkout."""
    settings.PRIVATE_MEDIA_ROOT = _private_media_root
    # Production's manifest storage needs `collectstatic`; tests render templates
    # without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Real hashing is slow on purpose; tests only need it to work.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        }
    }
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    # A request in another language must not leave that language active for
    # the next test's direct service calls.
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        _service_missing("PostgreSQL", "DATABASE_URL does not point at PostgreSQL")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def each_database(request) -> str:
    """Runs a test on both databases: the SQLite variant in the suite without
    DATABASE_URL (the embedded default), the PostgreSQL one (integration) where
    DATABASE_URL points at PostgreSQL, failing there under REQUIRE_SERVICES=1."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres")
    elif connection.vendor != "sqlite":
        pytest.skip("the SQLite variant runs in the suite without DATABASE_URL")
    return request.param


@pytest.fixture
def redis_url() -> str:
    url = django_settings.REDIS_URL
    if not url:
        _service_missing("Redis", "REDIS_URL is not set")

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        _service_missing("Redis", f"{url} does not answer ({error})")
    return url


def _database_url_of_test_database() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    return f"postgres://{credentials}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker(postgres, redis_url, transactional_db) -> Iterator[str]:
    """A real `celery worker` process consuming from Redis and writing to the test
    database. Yields the queue name to send tasks to."""

    queue = f"carbridge-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_of_test_database(),
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": queue,
        "EMAIL_URL": "consolemail://",
        "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,
        "DJANGO_DEBUG": "false",
    }
    log = tempfile.NamedTemporaryFile("w+", prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-n",
            f"{queue}@%h",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        redis.Redis.from_url(redis_url).delete(queue)
        log.seek(0)
        worker_log = log.read()
        log.close()
        os.unlink(log.name)
        print(f"--- celery worker log ---\n{worker_log}")


def wait_until(condition: Callable[[], bool], *, timeout: float = 60.0, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def at_once(*actions: Callable[[], object]) -> list[object]:
    """Run the actions in threads released together (each on its own database
    connection); each one's result, or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except BaseException as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


# People ------------------------------------------------------------------------


def _member(kind: str, role: str = Membership.Role.ADMIN, organisation: Organisation | None = None) -> User:
    organisation = organisation or OrganisationFactory(kind=kind)
    return MembershipFactory(organisation=organisation, role=role).user


@pytest.fixture
def exporter_admin(db) -> User:
    return _member(Organisation.Kind.EXPORTER)


@pytest.fixture
def exporter_member(exporter_admin) -> User:
    return _member(Organisation.Kind.EXPORTER, Membership.Role.MEMBER, exporter_admin.membership.organisation)


@pytest.fixture
def buyer_admin(db) -> User:
    return _member(Organisation.Kind.BUYER)


@pytest.fixture
def organiser(db) -> User:
    return _member(Organisation.Kind.ORGANISER)


@pytest.fixture
def other_exporter_admin(db) -> User:
    """An administrator of a second, unrelated exporter."""
    return _member(Organisation.Kind.EXPORTER)


@pytest.fixture
def login() -> Callable[[User], Client]:
    def _login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def user_without_organisation(db) -> User:
    return UserFactory()
