"""Querysets compiled to SQL once per process, for the few queries every parent page runs.

Django compiles a queryset to SQL each time it is evaluated. For the user of each request or a family's
children with their wallets and prices, the profile showed that compiling (0.5-0.9 ms) cost several times
what PostgreSQL spent answering (docs/performance.md). ``Prepared`` builds its queryset once, with
placeholder values, keeps the SQL and the compiler that turns rows into model instances (select_related
objects and annotations included, as Django's own ModelIterable does), and runs that SQL again with the
real values on each call.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators


class Prepared:
    def __init__(self, build: Callable[..., QuerySet], **placeholders: Any):
        """``build(**values)`` returns the queryset; ``placeholders`` are sample values (distinctive integers,
        dates) that must appear nowhere else in its parameters: each one marks where a value goes."""
        self.build, self.placeholders = build, placeholders
        self._compiled: dict[str, tuple] = {}  # database alias -> (sql, params, compiler, slots)

    def _compile(self, using: str) -> tuple:
        compiler = self.build(**self.placeholders).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = []  # (position in params, placeholder name, whether the backend took it as text)
        for position, param in enumerate(params):
            for name, sample in self.placeholders.items():
                as_text = isinstance(sample, datetime.date) and param == sample.isoformat()
                if param == sample or as_text:
                    slots.append((position, name, as_text))
        if sorted(name for _, name, _ in slots) != sorted(self.placeholders):
            raise ValueError(f"each placeholder must appear once in the query's parameters: {slots}")
        return sql, list(params), compiler, slots

    def __call__(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list:
        if using not in self._compiled:
            self._compiled[using] = self._compile(using)
        sql, params, compiler, slots = self._compiled[using]
        params = list(params)
        for position, name, as_text in slots:
            params[position] = values[name].isoformat() if as_text else values[name]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return list(_instances(compiler, rows, using))


def _instances(compiler, rows: list, using: str):
    """Model instances from the rows, as ``django.db.models.query.ModelIterable`` builds them."""
    select, klass_info, annotations = compiler.select, compiler.klass_info, compiler.annotation_col_map
    model_cls = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    related_populators = get_related_populators(klass_info, select, using)
    for row in compiler.results_iter([rows]):
        instance = model_cls.from_db(using, init_list, row[start:end])
        for populator in related_populators:
            populator.populate(row, instance)
        for name, position in (annotations or {}).items():
            setattr(instance, name, row[position])
        yield instance
