"""An in-memory database with transactions and unique indexes.

Each unit of work stages its writes and reads committed rows plus its own
changes. Commit checks every unique index against the committed rows and
applies the writes without awaiting in between, so it is atomic within one
event loop, like a serializable transaction that fails on conflict.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

from elenchos.domain.errors import DomainError

_DELETED = object()


@dataclass(slots=True)
class UniqueIndex:
    """Rows of a table whose key is not None must have distinct keys."""

    key: Callable[[Any], Hashable | None]
    error: Callable[[], DomainError]


@dataclass(slots=True)
class Table:
    rows: dict[uuid.UUID, Any] = field(default_factory=dict)
    unique_indexes: list[UniqueIndex] = field(default_factory=list)


class InMemoryDatabase:
    """Committed state shared by every unit of work made from it."""

    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}
        self.commits = 0

    def table(self, name: str) -> Table:
        return self.tables.setdefault(name, Table())

    def add_unique_index(self, table: str, index: UniqueIndex) -> None:
        self.table(table).unique_indexes.append(index)


class Transaction:
    """Writes staged by one unit of work, applied to the database on commit."""

    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database
        self._staged: dict[str, dict[uuid.UUID, Any]] = {}

    def get(self, table: str, row_id: uuid.UUID) -> Any | None:
        staged = self._staged.get(table, {})
        if row_id in staged:
            row = staged[row_id]
            return None if row is _DELETED else copy.deepcopy(row)
        row = self._database.table(table).rows.get(row_id)
        return copy.deepcopy(row)

    def scan(self, table: str) -> Iterator[Any]:
        """Yield copies of every visible row of a table."""
        staged = self._staged.get(table, {})
        for row_id, row in self._database.table(table).rows.items():
            if row_id not in staged:
                yield copy.deepcopy(row)
        for row in staged.values():
            if row is not _DELETED:
                yield copy.deepcopy(row)

    def put(self, table: str, row_id: uuid.UUID, row: Any) -> None:
        self._staged.setdefault(table, {})[row_id] = copy.deepcopy(row)

    def delete(self, table: str, row_id: uuid.UUID) -> None:
        self._staged.setdefault(table, {})[row_id] = _DELETED

    def commit(self) -> None:
        for name, writes in self._staged.items():
            self._check_unique(name, writes)
        for name, writes in self._staged.items():
            rows = self._database.table(name).rows
            for row_id, row in writes.items():
                if row is _DELETED:
                    rows.pop(row_id, None)
                else:
                    rows[row_id] = row
        self._staged.clear()
        self._database.commits += 1

    def rollback(self) -> None:
        self._staged.clear()

    def _check_unique(self, name: str, writes: dict[uuid.UUID, Any]) -> None:
        table = self._database.table(name)
        merged = dict(table.rows)
        for row_id, row in writes.items():
            if row is _DELETED:
                merged.pop(row_id, None)
            else:
                merged[row_id] = row
        for index in table.unique_indexes:
            seen: set[Hashable] = set()
            for row in merged.values():
                key = index.key(row)
                if key is None:
                    continue
                if key in seen:
                    raise index.error()
                seen.add(key)
