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

    __slots__ = ("_box", "_loader", "_lock")

    def __init__(self, loader: Callable[[], T]) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._box: list[T] = []

    def __call__(self) -> T:
        box = self._box
        if box:
            return box[0]
        with self._lock:
            if not box:
                box.append(self._loader())
        return box[0]

    @property
    def loaded(self) -> bool:
        """Whether the value has been loaded (for tests of laziness)."""
        return bool(self._box)


def once(loader: Callable[[], T]) -> Once[T]:
    """Decorator form of :class:`Once`."""
    return Once(loader)
