from __future__ import annotations

import json
import os
from typing import Any

_NO_DEFAULT = object()


class Variable:
    """Variables as Airflow resolves them: AIRFLOW_VAR_{KEY} in the environment first, then the metastore."""

    _store: dict[str, str] = {}

    @classmethod
    def get(cls, key: str, default_var: Any = _NO_DEFAULT, deserialize_json: bool = False) -> Any:
        value = os.environ.get(f"AIRFLOW_VAR_{key.upper()}")
        if value is None:
            value = cls._store.get(key)
        if value is None:
            if default_var is _NO_DEFAULT:
                raise KeyError(f"Variable {key} does not exist")
            return default_var
        return json.loads(value) if deserialize_json else value

    @classmethod
    def set(cls, key: str, value: Any, serialize_json: bool = False) -> None:
        cls._store[key] = json.dumps(value) if serialize_json else str(value)

    @classmethod
    def delete(cls, key: str) -> None:
        cls._store.pop(key, None)

    @classmethod
    def clear_all(cls) -> None:
        """Test helper (not in Airflow): forget every Variable."""
        cls._store.clear()


class VariableAccessor:
    """`var.value` / `var.json` in templates."""

    def __init__(self, deserialize_json: bool) -> None:
        self._deserialize_json = deserialize_json

    def __getattr__(self, key: str) -> Any:
        return Variable.get(key, deserialize_json=self._deserialize_json)

    def get(self, key: str, default_var: Any = _NO_DEFAULT) -> Any:
        return Variable.get(key, default_var=default_var, deserialize_json=self._deserialize_json)
