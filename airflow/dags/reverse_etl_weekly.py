"""
### Reverse ETL: customer weekly metrics

One `reverse-etl run --stage ...` call a task:
`extract >> validate_and_transform >> load >> quality_gate >> salesforce_sync`.
The stages hand over through sidecars named after the DAG run, which the CLI reads from
`AIRFLOW_CTX_DAG_RUN_ID` (set by Airflow for every BashOperator task).

**Airflow Variables**

| Variable | meaning |
|---|---|
| `pipeline_mode` | `local` (default): the week in `week_start`/`week_end`, local files only, no Salesforce. `azure`: the week the warehouse checkpoint names, the lake, and Salesforce. |
| `week_start`, `week_end` | `YYYY-MM-DD`, the window in `local` mode |
| `sf_username`, `sf_password`, `sf_security_token`, `sf_domain` | the Salesforce login; Salesforce is written only in `azure` mode with `sf_username` set (otherwise `salesforce_sync` echoes the skip and the CLI still ends the run) |
| `slack_webhook_url` | a Slack incoming webhook for failures; nothing is posted when it is not set |

Trigger with config `{"week_start": "2019-12-01", "week_end": "2019-12-07"}` to run (or re-run)
one given week in either mode. Everything else (API, lake, warehouse) comes from the worker's
environment or from `config.env` in `REVERSE_ETL_WORKDIR`.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from datetime import timedelta
from typing import Any

import pendulum
from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator

log = logging.getLogger(__name__)

DAG_ID = "reverse_etl_customer_weekly"
MODES = ("local", "azure")
CLI = "reverse-etl"
# Airflow runs a BashOperator in a fresh temporary directory unless told otherwise: the stages
# need one shared directory for config.env, state/ and data/.
WORKDIR = os.environ.get("REVERSE_ETL_WORKDIR", "/opt/airflow/reverse_etl")
SLACK_TIMEOUT_SECONDS = 10
EXCEPTION_CHARS = 1500

# (task id, CLI stage, execution timeout)
STAGES = (
    ("extract", "extract", timedelta(hours=2)),
    ("validate_and_transform", "transform", timedelta(minutes=30)),
    ("load", "load", timedelta(minutes=30)),
    ("quality_gate", "quality-gate", timedelta(minutes=5)),
    ("salesforce_sync", "salesforce-sync", timedelta(minutes=30)),
)


def _variable(name: str, default: str = "") -> str:
    value = Variable.get(name, default_var=default)
    return "" if value is None else str(value).strip()


def run_window(dag_run: Any) -> dict[str, str]:
    """
    The mode and the week of a run. A week in `dag_run.conf` wins; in `local` mode the Variables
    give it otherwise; in `azure` mode no week means the checkpoint's. Read when a task renders,
    never when the scheduler parses this file.
    """
    mode = _variable("pipeline_mode", "local").lower() or "local"
    if mode not in MODES:
        raise ValueError(f"Airflow Variable pipeline_mode must be one of {', '.join(MODES)} (got {mode!r})")
    conf = (getattr(dag_run, "conf", None) or {}) if dag_run is not None else {}
    start = str(conf.get("week_start") or "").strip()
    end = str(conf.get("week_end") or "").strip()
    if bool(start) != bool(end):
        missing = "week_end" if start else "week_start"
        raise ValueError(f"dag_run.conf gives one end of the week only: {missing} is missing")
    if not start and mode == "local":
        start, end = _variable("week_start"), _variable("week_end")
        if not start or not end:
            raise ValueError(
                "pipeline_mode local needs the Airflow Variables week_start and week_end "
                "(or week_start and week_end in dag_run.conf)"
            )
    return {"mode": mode, "week_start": start, "week_end": end}


def stage_command(stage: str, dag_run: Any) -> str:
    """
    The CLI call of one stage. The week's values reach it as environment variables, never
    inside the command: dag_run.conf is whatever the person who triggered the run typed.
    """
    window = run_window(dag_run)
    args = [CLI, "run", "--stage", stage]
    if window["week_start"]:
        args += ['--week-start "$RETL_WEEK_START"', '--week-end "$RETL_WEEK_END"']
    else:
        args.append("--use-checkpoint")
    if window["mode"] == "local":
        args.append("--local-only")
    args += ["--log-format", "json"]
    return " ".join(args)


def writes_to_salesforce(dag_run: Any) -> bool:
    """Salesforce is written only in `azure` mode with a Salesforce user."""
    return run_window(dag_run)["mode"] == "azure" and bool(_variable("sf_username"))


def sync_command(dag_run: Any) -> str:
    """
    salesforce_sync: the CLI's last stage, which ends the run (run row, `_SUCCESS.json`, the
    checkpoint). Without Salesforce (`local` mode, or no `sf_username`) the task echoes the skip
    and the CLI gets no Salesforce login, so it logs the skip too and still ends the run: a DAG
    that only echoed would never move the checkpoint.
    """
    command = stage_command("salesforce-sync", dag_run)
    if run_window(dag_run)["mode"] != "azure":
        return f"echo 'salesforce_sync skipped: pipeline_mode is local, which never writes to Salesforce' && {command}"
    if not _variable("sf_username"):
        return f"echo 'salesforce_sync skipped: the Airflow Variable sf_username is not set' && {command}"
    return command


def salesforce_login(name: str, dag_run: Any) -> str:
    """A Salesforce login Variable, handed to the CLI only when this run writes to Salesforce."""
    return (_variable(name) or ("login" if name == "sf_domain" else "")) if writes_to_salesforce(dag_run) else ""


def week_value(end: str, dag_run: Any) -> str:
    return run_window(dag_run)[f"week_{end}"]


def _exception_text(exception: Any) -> str:
    if exception is None:
        return "(none)"
    text = f"{type(exception).__name__}: {exception}" if isinstance(exception, BaseException) else str(exception)
    return text if len(text) <= EXCEPTION_CHARS else f"{text[:EXCEPTION_CHARS]}…"


def failure_message(context: dict[str, Any], headline: str) -> dict[str, str]:
    """The Slack message for a failure: task, DAG, execution date, exception and a link to the log."""
    ti = context.get("task_instance") or context.get("ti")
    dag = context.get("dag")
    dag_id = getattr(dag, "dag_id", None) or getattr(ti, "dag_id", DAG_ID)
    task_id = getattr(ti, "task_id", "(unknown)")
    logical_date = context.get("logical_date") or context.get("execution_date")
    when = logical_date.isoformat() if hasattr(logical_date, "isoformat") else str(logical_date)
    log_url = getattr(ti, "log_url", "")
    lines = [
        f":red_circle: *{headline}*",
        f"*Task:* `{task_id}`",
        f"*DAG:* `{dag_id}`",
        f"*Execution date:* {when}",
        f"*Exception:* ```{_exception_text(context.get('exception'))}```",
        f"*Log:* <{log_url}|open the log>" if log_url else "*Log:* (no URL)",
    ]
    return {"text": "\n".join(lines)}


def _post_to_slack(message: dict[str, str]) -> None:
    webhook = _variable("slack_webhook_url")
    if not webhook:
        return
    request = urllib.request.Request(
        webhook,
        data=json.dumps(message).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    # A Slack outage must not hide the failure being reported, and the webhook URL is a secret:
    # log the reason only.
    try:
        with urllib.request.urlopen(request, timeout=SLACK_TIMEOUT_SECONDS) as response:
            response.read()
    except Exception as error:  # noqa: BLE001
        log.warning("Slack notification failed: %s", type(error).__name__)


def notify_task_failure(context: dict[str, Any]) -> None:
    """on_failure_callback of every task: runs once the task has used up its retries."""
    ti = context.get("task_instance") or context.get("ti")
    _post_to_slack(failure_message(context, f"{DAG_ID}.{getattr(ti, 'task_id', '?')} failed"))


def notify_run_failure(context: dict[str, Any]) -> None:
    """
    on_failure_callback of the DAG: a run that hits dagrun_timeout fails without any task
    failing, so no task callback reports it. A task's failure is reported by the task.
    """
    reason = context.get("reason") or "unknown"
    if reason == "task_failure":
        return
    _post_to_slack(failure_message(context, f"{DAG_ID} run failed: {reason}"))


WEEK_ENV = {
    "RETL_WEEK_START": "{{ reverse_etl_week('start', dag_run) }}",
    "RETL_WEEK_END": "{{ reverse_etl_week('end', dag_run) }}",
}

# Only salesforce_sync sees the Salesforce login. Airflow masks Variables named like
# *password* / *token* in task logs and rendered fields.
SALESFORCE_ENV = {
    **WEEK_ENV,
    "SF_USERNAME": "{{ reverse_etl_salesforce('sf_username', dag_run) }}",
    "SF_PASSWORD": "{{ reverse_etl_salesforce('sf_password', dag_run) }}",
    "SF_SECURITY_TOKEN": "{{ reverse_etl_salesforce('sf_security_token', dag_run) }}",
    "SF_DOMAIN": "{{ reverse_etl_salesforce('sf_domain', dag_run) }}",
}

default_args = {
    "owner": "data-engineering",
    "depends_on_past": False,
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "on_failure_callback": notify_task_failure,
}

with DAG(
    dag_id=DAG_ID,
    description="Weekly reverse ETL: events API → Parquet → lake + warehouse → Salesforce",
    schedule="0 14 * * 1-5",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=4),
    default_args=default_args,
    on_failure_callback=notify_run_failure,
    user_defined_macros={
        "reverse_etl_command": stage_command,
        "reverse_etl_sync_command": sync_command,
        "reverse_etl_week": week_value,
        "reverse_etl_salesforce": salesforce_login,
    },
    tags=["reverse-etl", "salesforce"],
    doc_md=__doc__,
) as dag:
    previous = None
    for task_id, stage, timeout in STAGES:
        is_sync = stage == "salesforce-sync"
        task = BashOperator(
            task_id=task_id,
            bash_command=(
                "{{ reverse_etl_sync_command(dag_run) }}"
                if is_sync
                else f"{{{{ reverse_etl_command('{stage}', dag_run) }}}}"
            ),
            env=SALESFORCE_ENV if is_sync else WEEK_ENV,
            # Keep the worker's environment (PATH, API and lake settings): `env` alone replaces it.
            append_env=True,
            cwd=WORKDIR,
            execution_timeout=timeout,
        )
        if previous is not None:
            previous >> task
        previous = task
