"""Querysets compiled to SQL once per process, for the few queries every parent page runs.

Django compiles a queryset to SQL each time it is evaluated. For the user of each request or a family's
children with their wallets and prices, the profile showed that compiling (0.5-0.9 ms) cost several times
what PostgreSQL spent answering (docs/performance.md). ``Prepared`` builds its queryset once, with
placeholder values, keeps the SQL and the compiler that turns rows into model instances (select_related
objects and annotations included, as Django's own ModelIterable does), and runs that SQL again with the
real values on each call.

Nothing is prepared on the server (no SQL ``PREPARE``): behind PgBouncer in transaction pooling, any
version, a statement prepared in one server session is missing, or already there, in the next.
"""

from __future__ import annotations

import datetime
from collections import namedtuple
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators


class Prepared:
    def __init__(self, name: str, build: Callable[..., QuerySet], **placeholders: Any):
        """``name`` names the query; ``build(**values)`` returns the queryset; ``placeholders``
        are sample values (distinctive integers, dates) that must appear nowhere else in its parameters:
        each one marks where a value goes. A placeholder named ``offset`` is the start of a slice
        (``[offset:offset + n]``), which Django writes into the SQL rather than its parameters."""
        self.name, self.build, self.placeholders = name, build, placeholders
        self._compiled: dict[str, tuple] = {}  # alias -> (sql, params, compiler, converters, slots, row class)

    def _compile(self, using: str) -> tuple:
        queryset = self.build(**self.placeholders)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        params = list(params)
        slots = []  # (position in params, placeholder name, whether the backend took it as text)
        if "offset" in self.placeholders:  # "LIMIT n OFFSET <sample>", at the end of the query
            literal = f" OFFSET {self.placeholders['offset']}"
            if not sql.endswith(literal):
                raise ValueError("the offset placeholder must slice the queryset")
            sql = sql[: -len(literal)] + " OFFSET %s"
            slots.append((len(params), "offset", False))
            params.append(self.placeholders["offset"])
        for position, param in enumerate(params[: len(params) - len(slots)]):
            for name, sample in self.placeholders.items():
                as_text = isinstance(sample, datetime.date) and param == sample.isoformat()
                if param == sample or as_text:
                    slots.append((position, name, as_text))
        if sorted(name for _, name, _ in slots) != sorted(self.placeholders):
            raise ValueError(f"each placeholder must appear once in the query's parameters: {slots}")
        row_class = namedtuple("Row", queryset._fields) if queryset._fields else None  # values_list: rows
        # The functions turning the database's values into Python's (Django looks them up for every query).
        converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
        return sql, params, compiler, converters, slots, row_class

    def _compiled_for(self, using: str) -> tuple:
        if using not in self._compiled:
            self._compiled[using] = self._compile(using)
        return self._compiled[using]

    def sql(self, using: str = DEFAULT_DB_ALIAS) -> str:
        """The SQL this runs, placeholders as parameters (for tests and EXPLAIN)."""
        return self._compiled_for(using)[0]

    def __call__(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list:
        sql, params, compiler, converters, slots, row_class = self._compiled_for(using)
        params = list(params)
        for position, name, as_text in slots:
            params[position] = values[name].isoformat() if as_text else values[name]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        if row_class is not None:  # a values_list(named=True) queryset: its rows, by name
            return [row_class._make(row) for row in rows]
        return list(_instances(compiler, rows, using))


def _instances(compiler, rows: list, using: str):
    """Model instances from the rows, as ``django.db.models.query.ModelIterable`` builds them."""
    select, klass_info, annotations = compiler.select, compiler.klass_info, compiler.annotation_col_map
    model_cls = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    related_populators = get_related_populators(klass_info, select, using)
    for row in rows:
        instance = model_cls.from_db(using, init_list, row[start:end])
        for populator in related_populators:
            populator.populate(row, instance)
        for name, position in (annotations or {}).items():
            setattr(instance, name, row[position])
        yield instance
