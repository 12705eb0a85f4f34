"""
Tests of airflow/dags/reverse_etl_weekly.py against the Airflow stand-in in ./stubs, and of every
command it renders against the built CLI (dist/program/bin.js, or RETL_BIN), run the way
BashOperator runs it with `--validate-only` added by a `reverse-etl` shim on PATH.
Run: python3 -m unittest discover -s test/airflow   (npm test runs it through vitest).
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import unittest
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path[:0] = [str(HERE / "stubs"), str(REPO / "airflow" / "dags")]

from airflow.exceptions import AirflowException  # noqa: E402
from airflow.hooks.subprocess import SubprocessHook  # noqa: E402
from airflow.models import DagRun, TaskInstance, Variable  # noqa: E402

WORKDIR = tempfile.mkdtemp(prefix="retl-dag-workdir-")
BIN = os.environ.get("RETL_BIN") or str(REPO / "dist" / "program" / "bin.js")
NODE = os.environ.get("RETL_NODE") or shutil.which("node") or "node"

TASKS = ["extract", "validate_and_transform", "load", "quality_gate", "salesforce_sync"]
CLI_STAGES = ["extract", "transform", "load", "quality-gate", "salesforce-sync"]
LOGICAL_DATE = datetime(2024, 6, 3, 14, 0, tzinfo=timezone.utc)
SECRETS = {"sf_password": "sf-pass-Zq81!x", "sf_security_token": "sf-token-Kk20aa"}

with mock.patch.dict(os.environ, {"REVERSE_ETL_WORKDIR": WORKDIR}):
    weekly = importlib.import_module("reverse_etl_weekly")
dag = weekly.dag


def tearDownModule() -> None:
    shutil.rmtree(WORKDIR, ignore_errors=True)


def set_variables(**values: str) -> None:
    Variable.clear_all()
    for key, value in values.items():
        Variable.set(key, value)


def context_for(task_id: str, run_id: str = "scheduled__2024-06-03T14:00:00+00:00", conf: dict | None = None) -> dict:
    dag_run = DagRun(dag.dag_id, run_id, LOGICAL_DATE, conf)
    return TaskInstance(dag.get_task(task_id), dag_run).get_template_context()


def rendered(task_id: str, context: dict) -> Any:
    """A copy of the task with its template fields rendered, as Airflow runs it."""
    task = copy.copy(dag.get_task(task_id))
    task.subprocess_hook = SubprocessHook()
    task.render_template_fields(context)
    return task


class DagShapeTest(unittest.TestCase):
    def test_schedule_and_run_limits(self) -> None:
        self.assertEqual(dag.dag_id, "reverse_etl_customer_weekly")
        self.assertEqual(dag.schedule, "0 14 * * 1-5")
        self.assertEqual(dag.max_active_runs, 1)
        self.assertIs(dag.catchup, False)
        self.assertEqual(dag.dagrun_timeout, timedelta(hours=4))
        self.assertEqual(dag.start_date.utcoffset(), timedelta(0))

    def test_tasks_run_in_stage_order_one_after_the_other(self) -> None:
        self.assertEqual(dag.task_ids, TASKS)
        for before, after in zip(TASKS, TASKS[1:]):
            self.assertEqual(dag.get_task(before).downstream_task_ids, {after})
            self.assertEqual(dag.get_task(after).upstream_task_ids, {before})
        self.assertEqual(dag.get_task("extract").upstream_task_ids, set())
        self.assertEqual(dag.get_task("salesforce_sync").downstream_task_ids, set())

    def test_every_task_retries_three_times_with_exponential_backoff_from_5_to_30_minutes(self) -> None:
        for task in dag.tasks:
            with self.subTest(task=task.task_id):
                self.assertEqual(task.retries, 3)
                self.assertEqual(task.retry_delay, timedelta(minutes=5))
                self.assertIs(task.retry_exponential_backoff, True)
                self.assertEqual(task.max_retry_delay, timedelta(minutes=30))
                self.assertIs(task.on_failure_callback, weekly.notify_task_failure)

    def test_execution_timeouts(self) -> None:
        expected = {
            "extract": timedelta(hours=2),
            "validate_and_transform": timedelta(minutes=30),
            "load": timedelta(minutes=30),
            "quality_gate": timedelta(minutes=5),
            "salesforce_sync": timedelta(minutes=30),
        }
        self.assertEqual({t.task_id: t.execution_timeout for t in dag.tasks}, expected)

    def test_tasks_keep_the_worker_environment_and_share_one_working_directory(self) -> None:
        for task in dag.tasks:
            with self.subTest(task=task.task_id):
                self.assertIs(task.append_env, True)
                self.assertEqual(task.cwd, WORKDIR)


class RenderTest(unittest.TestCase):
    def test_local_mode_runs_the_variables_week_locally_and_skips_salesforce(self) -> None:
        set_variables(pipeline_mode="local", week_start="2019-12-01", week_end="2019-12-07", sf_username="etl@example.com")
        for task_id, stage in zip(TASKS[:4], CLI_STAGES):
            task = rendered(task_id, context_for(task_id))
            self.assertEqual(
                task.bash_command,
                f'reverse-etl run --stage {stage} --week-start "$RETL_WEEK_START" --week-end "$RETL_WEEK_END" '
                "--local-only --log-format json",
            )
            self.assertEqual(task.env["RETL_WEEK_START"], "2019-12-01")
            self.assertEqual(task.env["RETL_WEEK_END"], "2019-12-07")
        sync = rendered("salesforce_sync", context_for("salesforce_sync"))
        self.assertEqual(
            sync.bash_command,
            "echo 'salesforce_sync skipped: pipeline_mode is local, which never writes to Salesforce' && "
            'reverse-etl run --stage salesforce-sync --week-start "$RETL_WEEK_START" --week-end "$RETL_WEEK_END" '
            "--local-only --log-format json",
        )
        # The CLI still ends the run, but never gets a Salesforce login in local mode.
        self.assertEqual(sync.env["SF_USERNAME"], "")
        self.assertEqual(sync.env["SF_PASSWORD"], "")

    def test_azure_mode_runs_the_checkpoint_week_with_the_lake(self) -> None:
        set_variables(pipeline_mode="azure", week_start="2019-12-01", week_end="2019-12-07", sf_username="etl@example.com")
        for task_id, stage in zip(TASKS, CLI_STAGES):
            task = rendered(task_id, context_for(task_id))
            self.assertEqual(task.bash_command, f"reverse-etl run --stage {stage} --use-checkpoint --log-format json")
            self.assertEqual(task.env["RETL_WEEK_START"], "")

    def test_azure_mode_without_a_salesforce_user_echoes_the_skip_and_still_ends_the_run(self) -> None:
        set_variables(pipeline_mode="azure", sf_password="left-over")
        sync = rendered("salesforce_sync", context_for("salesforce_sync"))
        self.assertEqual(
            sync.bash_command,
            "echo 'salesforce_sync skipped: the Airflow Variable sf_username is not set' && "
            "reverse-etl run --stage salesforce-sync --use-checkpoint --log-format json",
        )
        self.assertEqual(sync.env["SF_PASSWORD"], "")

    def test_dag_run_conf_overrides_the_week_in_both_modes(self) -> None:
        conf = {"week_start": "2020-01-05", "week_end": "2020-01-11"}
        for mode in ("local", "azure"):
            set_variables(pipeline_mode=mode, week_start="2019-12-01", week_end="2019-12-07", sf_username="u")
            with self.subTest(mode=mode):
                task = rendered("load", context_for("load", conf=conf))
                self.assertIn('--week-start "$RETL_WEEK_START" --week-end "$RETL_WEEK_END"', task.bash_command)
                self.assertNotIn("--use-checkpoint", task.bash_command)
                self.assertEqual((task.env["RETL_WEEK_START"], task.env["RETL_WEEK_END"]), ("2020-01-05", "2020-01-11"))
                self.assertEqual("--local-only" in task.bash_command, mode == "local")

    def test_bad_inputs_fail_the_render_naming_what_to_fix(self) -> None:
        cases = [
            ({"pipeline_mode": "cloud"}, None, "pipeline_mode must be one of local, azure"),
            ({"pipeline_mode": "local"}, None, "needs the Airflow Variables week_start and week_end"),
            ({"pipeline_mode": "azure"}, {"week_start": "2020-01-05"}, "week_end is missing"),
        ]
        for variables, conf, message in cases:
            set_variables(**variables)
            with self.subTest(message=message), self.assertRaisesRegex(ValueError, message):
                rendered("extract", context_for("extract", conf=conf))

    def test_secrets_reach_salesforce_sync_as_environment_only(self) -> None:
        set_variables(pipeline_mode="azure", sf_username="etl@example.com", sf_domain="test", **SECRETS)
        for task_id in TASKS:
            task = rendered(task_id, context_for(task_id))
            with self.subTest(task=task_id):
                for secret in SECRETS.values():
                    self.assertNotIn(secret, task.bash_command)
                if task_id == "salesforce_sync":
                    self.assertEqual(task.env["SF_PASSWORD"], SECRETS["sf_password"])
                    self.assertEqual(task.env["SF_SECURITY_TOKEN"], SECRETS["sf_security_token"])
                    self.assertEqual(task.env["SF_USERNAME"], "etl@example.com")
                    self.assertEqual(task.env["SF_DOMAIN"], "test")
                else:
                    self.assertFalse(any(key.startswith("SF_") for key in task.env))


def write_shim(directory: str) -> None:
    """`reverse-etl` on PATH, as the image links it, adding --validate-only to every call."""
    shim = Path(directory) / "reverse-etl"
    shim.write_text(f'#!/bin/sh\nexec "{NODE}" "{BIN}" "$@" --validate-only\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


class CliTest(unittest.TestCase):
    """Every command the DAG renders, run as BashOperator runs it, parses and validates with the real CLI."""

    @classmethod
    def setUpClass(cls) -> None:
        if not Path(BIN).is_file():
            raise unittest.SkipTest(f"{BIN} is not built: run `npm run build` first")
        cls.shim_dir = tempfile.mkdtemp(prefix="retl-shim-")
        write_shim(cls.shim_dir)

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.shim_dir, ignore_errors=True)

    def worker_env(self, **extra: str) -> dict[str, str]:
        """A worker's environment: PATH with the CLI, and the settings the deployment gives every task."""
        return {"PATH": f"{self.shim_dir}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": WORKDIR, **extra}

    def run_tasks(self, run_id: str, conf: dict | None = None, tasks: list[str] = TASKS) -> dict[str, dict]:
        def run(task_id: str) -> tuple[str, dict]:
            context = context_for(task_id, run_id, conf)
            task = rendered(task_id, context)
            try:
                output = task.execute(context)
            except AirflowException as error:
                raise AssertionError(f"{task_id}: {error}\n{task.bash_command}\n" + "\n".join(task.subprocess_hook.lines))
            return task_id, json.loads(output)

        with ThreadPoolExecutor(max_workers=3) as pool:
            return dict(pool.map(run, tasks))

    def assert_one_run_tag(self, plans: dict[str, dict], run_id_prefix: str) -> None:
        tags = {plan["run_tag"] for plan in plans.values()}
        self.assertEqual(len(tags), 1, tags)
        tag = tags.pop()
        self.assertRegex(tag, r"^[A-Za-z0-9_-]+$")
        self.assertTrue(tag.startswith(run_id_prefix), tag)

    def test_local_mode_commands(self) -> None:
        set_variables(pipeline_mode="local", week_start="2019-12-01", week_end="2019-12-07")
        with mock.patch.dict(os.environ, self.worker_env(), clear=True):
            plans = self.run_tasks("scheduled__2024-06-03T14:00:00+00:00")
        for task_id, stage in zip(TASKS, CLI_STAGES):
            self.assertLessEqual(
                {"stage": stage, "week_source": "flags", "week_start": "2019-12-01", "week_end": "2019-12-07",
                 "local_only": True, "lake": "local", "salesforce_login": False}.items(),
                plans[task_id].items(),
            )
        self.assert_one_run_tag(plans, "scheduled_2024-06-03T14_00_00")

    def test_azure_mode_commands_with_salesforce(self) -> None:
        set_variables(pipeline_mode="azure", sf_username="etl@example.com", **SECRETS)
        env = self.worker_env(STORAGE_ACCOUNT="retlacct", CONTAINER="datalake")
        with mock.patch.dict(os.environ, env, clear=True):
            plans = self.run_tasks("manual__2024-06-04T09:30:00+00:00")
        for task_id, stage in zip(TASKS, CLI_STAGES):
            self.assertLessEqual(
                {"stage": stage, "week_source": "checkpoint", "local_only": False, "lake": "adls"}.items(),
                plans[task_id].items(),
            )
        self.assertEqual([plans[t]["salesforce_login"] for t in TASKS], [False, False, False, False, True])
        self.assert_one_run_tag(plans, "manual_2024-06-04T09_30_00")

    def test_azure_mode_commands_for_a_week_given_in_the_run_conf(self) -> None:
        set_variables(pipeline_mode="azure", sf_username="etl@example.com")
        conf = {"week_start": "2020-01-05", "week_end": "2020-01-11"}
        # The same flags as every other stage: the first and the last stand for them all.
        tasks = ["extract", "salesforce_sync"]
        with mock.patch.dict(os.environ, self.worker_env(STORAGE_ACCOUNT="retlacct", CONTAINER="datalake"), clear=True):
            plans = self.run_tasks("manual__backfill-2020-01-05", conf, tasks)
        for task_id in tasks:
            self.assertLessEqual(
                {"week_source": "flags", "week_start": "2020-01-05", "week_end": "2020-01-11", "local_only": False}.items(),
                plans[task_id].items(),
            )

    def test_a_week_in_the_run_conf_is_data_never_shell(self) -> None:
        set_variables(pipeline_mode="local")
        marker = Path(WORKDIR) / "pwned"
        conf = {"week_start": f'2019-12-01"; touch {marker}; echo "', "week_end": "2019-12-07"}
        context = context_for("extract", "manual__x", conf)
        task = rendered("extract", context)
        self.assertNotIn("touch", task.bash_command)
        with mock.patch.dict(os.environ, self.worker_env(), clear=True):
            with self.assertRaises(AirflowException):
                task.execute(context)
        self.assertFalse(marker.exists())
        self.assertTrue(any("--week-start must be a date as YYYY-MM-DD" in line for line in task.subprocess_hook.lines))


class SlackStub:
    """A Slack incoming-webhook stand-in on 127.0.0.1 that records what it is sent."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stub.requests.append(
                    {"path": self.path, "type": self.headers["Content-Type"], "body": json.loads(body)}
                )
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/XXXX"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SlackTest(unittest.TestCase):
    def setUp(self) -> None:
        self.slack = SlackStub()
        self.addCleanup(self.slack.close)
        self.proxyless = mock.patch.dict(os.environ, {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
        self.proxyless.start()
        self.addCleanup(self.proxyless.stop)

    def failed_context(self, task_id: str = "load") -> dict:
        context = context_for(task_id, "scheduled__2024-06-03T14:00:00+00:00")
        context["exception"] = AirflowException("Bash command failed. The command returned a non-zero exit code 1.")
        return context

    def test_a_failed_task_posts_task_dag_date_exception_and_log_url(self) -> None:
        set_variables(slack_webhook_url=self.slack.url)
        context = self.failed_context("load")
        dag.get_task("load").on_failure_callback(context)
        self.assertEqual(len(self.slack.requests), 1)
        request = self.slack.requests[0]
        self.assertEqual(request["path"], "/services/T000/B000/XXXX")
        self.assertEqual(request["type"], "application/json")
        text = request["body"]["text"]
        self.assertIn("*Task:* `load`", text)
        self.assertIn("*DAG:* `reverse_etl_customer_weekly`", text)
        self.assertIn("*Execution date:* 2024-06-03T14:00:00+00:00", text)
        self.assertIn("AirflowException: Bash command failed. The command returned a non-zero exit code 1.", text)
        self.assertIn(context["task_instance"].log_url, text)
        self.assertIn("dag_run_id=scheduled__2024-06-03T14%3A00%3A00%2B00%3A00", text)

    def test_nothing_is_posted_without_a_webhook(self) -> None:
        set_variables()
        dag.get_task("extract").on_failure_callback(self.failed_context("extract"))
        self.assertEqual(self.slack.requests, [])

    def test_an_unreachable_webhook_does_not_raise(self) -> None:
        url = self.slack.url
        self.slack.close()
        set_variables(slack_webhook_url=url)
        with self.assertLogs(weekly.log, "WARNING") as logs:
            dag.get_task("extract").on_failure_callback(self.failed_context("extract"))
        self.assertNotIn("XXXX", "\n".join(logs.output))

    def test_a_run_timeout_is_posted_once_by_the_dag_and_a_task_failure_not_twice(self) -> None:
        set_variables(slack_webhook_url=self.slack.url)
        context = self.failed_context("extract")
        dag.on_failure_callback({**context, "reason": "task_failure"})
        self.assertEqual(self.slack.requests, [])
        dag.on_failure_callback({**context, "exception": None, "reason": "timed_out"})
        self.assertEqual(len(self.slack.requests), 1)
        self.assertIn("run failed: timed_out", self.slack.requests[0]["body"]["text"])


if __name__ == "__main__":
    unittest.main()
