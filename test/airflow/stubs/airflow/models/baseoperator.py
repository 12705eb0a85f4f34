from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.exceptions import AirflowException
from airflow.models.dag import current_dag

# BaseOperator's parameters that the DAG may set, with Airflow 2.9's defaults.
BASE_PARAMETERS: dict[str, Any] = {
    "owner": "airflow",
    "retries": 0,
    "retry_delay": timedelta(seconds=300),
    "retry_exponential_backoff": False,
    "max_retry_delay": None,
    "execution_timeout": None,
    "depends_on_past": False,
    "on_failure_callback": None,
    "on_retry_callback": None,
    "on_success_callback": None,
    "trigger_rule": "all_success",
    "pool": "default_pool",
    "email": None,
    "doc_md": None,
}


class BaseOperator:
    template_fields: tuple[str, ...] = ()

    def __init__(self, *, task_id: str, dag: Any = None, **kwargs: Any) -> None:
        self.dag = dag or current_dag()
        if self.dag is None:
            raise AirflowException(f"Task {task_id} is not in a DAG")
        # As Airflow: default_args fill what the task does not set; an unknown argument is an error.
        unknown = sorted(set(kwargs) - set(BASE_PARAMETERS))
        if unknown:
            raise AirflowException(
                f"Invalid arguments were passed to {type(self).__name__} (task_id: {task_id}). "
                f"Invalid arguments were: **kwargs: {unknown}"
            )
        values = {**BASE_PARAMETERS, **{k: v for k, v in self.dag.default_args.items() if k in BASE_PARAMETERS}}
        values.update(kwargs)
        for name, value in values.items():
            setattr(self, name, value)
        self.task_id = task_id
        self.upstream_task_ids: set[str] = set()
        self.downstream_task_ids: set[str] = set()
        self.dag.add_task(self)

    def set_downstream(self, other: BaseOperator) -> None:
        self.downstream_task_ids.add(other.task_id)
        other.upstream_task_ids.add(self.task_id)

    def __rshift__(self, other: BaseOperator) -> BaseOperator:
        self.set_downstream(other)
        return other

    def render_template(self, content: Any, context: dict[str, Any]) -> Any:
        if isinstance(content, str):
            return self.dag.get_template_env().from_string(content).render(**context)
        if isinstance(content, dict):
            return {key: self.render_template(value, context) for key, value in content.items()}
        if isinstance(content, (list, tuple)):
            return type(content)(self.render_template(value, context) for value in content)
        return content

    def render_template_fields(self, context: dict[str, Any]) -> None:
        for field in self.template_fields:
            setattr(self, field, self.render_template(getattr(self, field), context))

    def execute(self, context: dict[str, Any]) -> Any:
        raise NotImplementedError
