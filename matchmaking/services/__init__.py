"""What changes data, one module per concept. Work that runs in the background
is a Celery task beside the service it runs, declared with `background_task`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, Protocol

from celery import shared_task

_P = ParamSpec("_P")


class BackgroundTask(Protocol[_P]):
    """What the app uses of a Celery task: run it here, or queue it."""

    name: str

    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> None: ...

    def delay(self, *args: _P.args, **kwargs: _P.kwargs) -> object: ...


def background_task(**options: Any) -> Callable[[Callable[_P, None]], BackgroundTask[_P]]:
    """Celery's shared_task, typed (Celery ships no types): queuing a task is
    checked against its function's parameters."""
    decorate: Callable[[Callable[_P, None]], BackgroundTask[_P]] = shared_task(**options)
    return decorate
