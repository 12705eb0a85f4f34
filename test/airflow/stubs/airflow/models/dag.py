from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

import jinja2

_contexts: list[DAG] = []


def current_dag() -> DAG | None:
    return _contexts[-1] if _contexts else None


class DAG:
    def __init__(
        self,
        dag_id: str,
        description: str | None = None,
        schedule: str | timedelta | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        catchup: bool = True,
        max_active_runs: int = 16,
        max_active_tasks: int = 16,
        dagrun_timeout: timedelta | None = None,
        default_args: dict[str, Any] | None = None,
        on_failure_callback: Callable[[dict[str, Any]], None] | None = None,
        on_success_callback: Callable[[dict[str, Any]], None] | None = None,
        user_defined_macros: dict[str, Any] | None = None,
        user_defined_filters: dict[str, Any] | None = None,
        template_undefined: type[jinja2.Undefined] = jinja2.StrictUndefined,
        render_template_as_native_obj: bool = False,
        params: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        doc_md: str | None = None,
        is_paused_upon_creation: bool | None = None,
    ) -> None:
        if start_date is not None and start_date.tzinfo is None:
            raise ValueError("start_date must be timezone-aware")
        self.dag_id = dag_id
        self.description = description
        self.schedule = schedule
        self.start_date = start_date
        self.end_date = end_date
        self.catchup = catchup
        self.max_active_runs = max_active_runs
        self.max_active_tasks = max_active_tasks
        self.dagrun_timeout = dagrun_timeout
        self.default_args = dict(default_args or {})
        self.on_failure_callback = on_failure_callback
        self.on_success_callback = on_success_callback
        self.user_defined_macros = dict(user_defined_macros or {})
        self.user_defined_filters = dict(user_defined_filters or {})
        self.template_undefined = template_undefined
        self.render_template_as_native_obj = render_template_as_native_obj
        self.params = dict(params or {})
        self.tags = list(tags or [])
        self.doc_md = doc_md
        self.is_paused_upon_creation = is_paused_upon_creation
        self.task_dict: dict[str, Any] = {}

    def __enter__(self) -> DAG:
        _contexts.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _contexts.pop()

    @property
    def tasks(self) -> list[Any]:
        return list(self.task_dict.values())

    @property
    def task_ids(self) -> list[str]:
        return list(self.task_dict)

    def get_task(self, task_id: str) -> Any:
        return self.task_dict[task_id]

    def add_task(self, task: Any) -> None:
        if task.task_id in self.task_dict:
            raise ValueError(f"Task id {task.task_id!r} has already been added to the DAG")
        self.task_dict[task.task_id] = task

    def get_template_env(self) -> jinja2.Environment:
        # Airflow's environment: no autoescaping, StrictUndefined, the DAG's macros and filters.
        env = jinja2.Environment(undefined=self.template_undefined, autoescape=False, cache_size=0)
        env.globals.update(self.user_defined_macros)
        env.filters.update(self.user_defined_filters)
        return env
