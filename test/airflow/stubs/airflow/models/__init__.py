from airflow.models.baseoperator import BaseOperator
from airflow.models.dag import DAG
from airflow.models.dagrun import DagRun
from airflow.models.taskinstance import TaskInstance
from airflow.models.variable import Variable

__all__ = ["BaseOperator", "DAG", "DagRun", "TaskInstance", "Variable"]
