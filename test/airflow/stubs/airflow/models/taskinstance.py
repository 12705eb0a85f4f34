from __future__ import annotations

from typing import Any
from urllib.parse import quote

from airflow.models.dagrun import DagRun
from airflow.models.variable import VariableAccessor

BASE_URL = "http://localhost:8080"


class TaskInstance:
    def __init__(self, task: Any, dag_run: DagRun, try_number: int = 1) -> None:
        self.task = task
        self.task_id = task.task_id
        self.dag_id = task.dag.dag_id
        self.run_id = dag_run.run_id
        self.dag_run = dag_run
        self.try_number = try_number

    @property
    def log_url(self) -> str:
        return (
            f"{BASE_URL}/dags/{self.dag_id}/grid?dag_run_id={quote(self.run_id)}"
            f"&task_id={self.task_id}&map_index=-1&tab=logs"
        )

    def get_template_context(self) -> dict[str, Any]:
        logical_date = self.dag_run.logical_date
        return {
            "dag": self.task.dag,
            "task": self.task,
            "ti": self,
            "task_instance": self,
            "dag_run": self.dag_run,
            "run_id": self.run_id,
            "logical_date": logical_date,
            "execution_date": logical_date,
            "ds": logical_date.strftime("%Y-%m-%d"),
            "params": {},
            "var": {"value": VariableAccessor(False), "json": VariableAccessor(True)},
        }
