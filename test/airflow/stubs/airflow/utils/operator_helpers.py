from __future__ import annotations

from typing import Any


def context_to_airflow_vars(context: dict[str, Any], in_env_var_format: bool = False) -> dict[str, str]:
    """The AIRFLOW_CTX_* variables every BashOperator task gets (Airflow 2.9, env-var format only)."""
    if not in_env_var_format:
        raise NotImplementedError("the stand-in only renders the environment-variable format")
    ti = context["task_instance"]
    dag = context["dag"]
    dag_run = context["dag_run"]
    task = context["task"]
    values = {
        "AIRFLOW_CTX_DAG_OWNER": str(task.owner),
        "AIRFLOW_CTX_DAG_ID": dag.dag_id,
        "AIRFLOW_CTX_TASK_ID": ti.task_id,
        "AIRFLOW_CTX_EXECUTION_DATE": dag_run.logical_date.isoformat(),
        "AIRFLOW_CTX_TRY_NUMBER": str(ti.try_number),
        "AIRFLOW_CTX_DAG_RUN_ID": dag_run.run_id,
    }
    if task.email:
        values["AIRFLOW_CTX_DAG_EMAIL"] = task.email if isinstance(task.email, str) else ",".join(task.email)
    return values
