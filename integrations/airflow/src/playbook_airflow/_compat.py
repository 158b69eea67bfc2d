"""Airflow names, from the Task SDK (Airflow 3) or their Airflow 2 homes."""

from __future__ import annotations

try:  # Airflow 3: the Task SDK is the authoring interface
    from airflow.sdk import DAG, BaseOperator, TriggerRule
    from airflow.sdk.exceptions import AirflowException, AirflowFailException
except ImportError:  # Airflow 2.9+ (not tested)
    from airflow.exceptions import AirflowException, AirflowFailException  # type: ignore[no-redef]
    from airflow.models import DAG, BaseOperator  # type: ignore[no-redef]
    from airflow.utils.trigger_rule import TriggerRule  # type: ignore[no-redef]

__all__ = ["DAG", "AirflowException", "AirflowFailException", "BaseOperator", "TriggerRule"]
