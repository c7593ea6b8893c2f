"""Model instances from hand-written SQL, for the queries run once per message.

Compiling a queryset (joins, subqueries, ordering) cost more CPU than PostgreSQL spent running it: on the
send path it was about a third of the worker's CPU, and the outbound rules' query a quarter of
queue_message's. These queries are written once as SQL; `Columns` names a model's columns in them and
turns the row back into an instance through each field's own converters (decryption, JSON), as the ORM
would.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


class Columns:
    """The concrete columns of `model` under a table alias in a SELECT, less `exclude` (left deferred:
    read from the database if ever accessed, like `.defer()`)."""

    def __init__(self, model: type[Model], alias: str, *, exclude: tuple[str, ...] = ()) -> None:
        self.model = model
        fields = [f for f in model._meta.concrete_fields if f.name not in exclude]
        self.names = [f.attname for f in fields]
        self.sql = ", ".join(f'{alias}."{f.column}"' for f in fields)
        self.converters = []
        for position, field in enumerate(fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                self.converters.append((position, found, column))

    def __len__(self) -> int:
        return len(self.names)

    def build(self, row, offset: int = 0) -> Model:
        """The instance held by row[offset:offset + len(self)]."""
        values = list(row[offset:offset + len(self.names)])
        for position, found, column in self.converters:
            value = values[position]
            for convert in found:
                value = convert(value, column, connection)
            values[position] = value
        return self.model.from_db(connection.alias, self.names, values)
