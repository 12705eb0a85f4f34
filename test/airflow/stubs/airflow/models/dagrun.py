from __future__ import annotations

from datetime import datetime
from typing import Any


class DagRun:
    def __init__(self, dag_id: str, run_id: str, logical_date: datetime, conf: dict[str, Any] | None = None) -> None:
        self.dag_id = dag_id
        self.run_id = run_id
        self.logical_date = logical_date
        self.execution_date = logical_date
        self.conf = conf
