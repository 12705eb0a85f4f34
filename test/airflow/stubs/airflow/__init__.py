"""
A stand-in for the few parts of Apache Airflow 2.9 that airflow/dags/reverse_etl_weekly.py
uses, so the DAG can be imported, rendered and run without Airflow (no Python package index
here). Each piece follows Airflow 2.9's own code where the DAG's behaviour depends on it:
default_args reaching operators, unknown operator arguments refused, Jinja rendering of
template fields with StrictUndefined and the DAG's user_defined_macros, `var.value.get`,
BashOperator's environment (`env`, `append_env`, the AIRFLOW_CTX_* variables), its working
directory and its exit-code handling, and TaskInstance.log_url.
"""

from airflow.models.dag import DAG

__version__ = "2.9.3"
__all__ = ["DAG"]
