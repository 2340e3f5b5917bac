"""Load-once helpers: data files are read lazily, once, under a lock (thread-safe)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["Once", "once"]


class Once(Generic[T]):
    """A zero-argument loader called at most once, even when many threads ask at the same time.

    >>> calls = []
    >>> value = Once(lambda: calls.append(1) or 42)
    >>> value(), value(), len(calls)
    (42, 42, 1)
    """

    __slots__ = ("_done", "_lock", "_loader", "_value")

    def __init__(self, loader: Callable[[], T]) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._done = False
        self._value: T | None = None

    def __call__(self) -> T:
        if self._done:
            return self._value  # type: ignore[return-value]
        with self._lock:
            if not self._done:
                self._value = self._loader()
                self._done = True
        return self._value  # type: ignore[return-value]

    @property
    def loaded(self) -> bool:
        """Whether the value has been loaded (for tests of laziness)."""
        return self._done


def once(loader: Callable[[], T]) -> Once[T]:
    """Decorator form of :class:`Once`."""
    return Once(loader)
