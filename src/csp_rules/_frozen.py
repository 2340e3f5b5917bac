"""An immutable, hashable, picklable mapping for rule-set parameters and decision facts.

A map may be built lazily (:meth:`FrozenMap.lazy`): its contents are computed on first use, once,
from a builder and its arguments. A decision's facts are built so, for the decisions nobody reads
(issue 18); a lazy map is equal, hashes, prints and pickles as the map it builds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")

__all__ = ["FrozenMap"]


class FrozenMap(Mapping[K, V]):
    """A read-only mapping that keeps insertion order, hashes by content and pickles.

    >>> m = FrozenMap({"a": 1})
    >>> m["a"], dict(m), m == {"a": 1}
    (1, {'a': 1}, True)
    >>> m["b"] = 2
    Traceback (most recent call last):
    ...
    TypeError: 'FrozenMap' object does not support item assignment
    """

    __slots__ = ("_data", "_hash")

    _data: dict[K, V]
    _hash: int | None

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        object.__setattr__(self, "_data", dict(data) if data else {})
        object.__setattr__(self, "_hash", None)

    @classmethod
    def lazy(cls, build: Callable[..., dict[K, V]], *args: Any) -> FrozenMap[K, V]:
        """A map whose contents are ``build(*args)`` (a new dict), computed when first used.

        >>> m = FrozenMap.lazy(dict, [("a", 1)])
        >>> m == {"a": 1}, m, isinstance(m, FrozenMap)
        (True, FrozenMap({'a': 1}), True)
        """
        new: _LazyMap[K, V] = object.__new__(_LazyMap)
        _set_make(new, (build, args))
        _set_hash(new, None)
        return new

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: K, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash(frozenset(self._data.items()))
            object.__setattr__(self, "_hash", h)
        return h

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenMap is immutable")

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


class _LazyMap(FrozenMap[K, V]):
    """A :class:`FrozenMap` whose data is built on first use (:meth:`FrozenMap.lazy`). Its own class, so
    that plain maps keep their plain attribute access: only this one has a ``__getattr__``."""

    __slots__ = ("_make",)

    _make: tuple[Callable[..., dict[K, V]], tuple[Any, ...]] | None

    def __getattr__(self, name: str) -> Any:
        # reached only when a slot is unset: ``_data`` before the first use
        if name != "_data":
            raise AttributeError(name)
        make = object.__getattribute__(self, "_make")
        if make is None:  # another thread built it meanwhile
            return object.__getattribute__(self, "_data")
        build, args = make
        data = build(*args)
        _set_data(self, data)
        _set_make(self, None)
        return data

    def __reduce__(self) -> tuple[Any, ...]:
        return (_built, (self._data,))


def _built(data: dict[Any, Any]) -> _LazyMap[Any, Any]:
    """A lazy map already built (what a pickled one becomes: the same class, the same data)."""
    new: _LazyMap[Any, Any] = object.__new__(_LazyMap)
    _set_data(new, data)
    _set_hash(new, None)
    _set_make(new, None)
    return new


# the slots' own setters: a map is filled once, past its refusing __setattr__
_set_data: Callable[[Any, Any], None] = FrozenMap.__dict__["_data"].__set__
_set_hash: Callable[[Any, Any], None] = FrozenMap.__dict__["_hash"].__set__
_set_make: Callable[[Any, Any], None] = _LazyMap.__dict__["_make"].__set__
