"""Apache Airflow integration of playbook: `PlaybookOperator` runs one `playbook run`,
`fleet_dag` runs one playbook over a fleet of targets and writes the fleet summary."""

from .fleet import FleetPlanError, PlaybookFleetSummaryOperator, fleet_dag, plan_fleet
from .operator import (
    FINAL_CODES,
    RETRYABLE_CODES,
    SUMMARY_XCOM_KEY,
    PlaybookOperator,
    parameter_value,
)

__all__ = [
    "FINAL_CODES",
    "RETRYABLE_CODES",
    "SUMMARY_XCOM_KEY",
    "FleetPlanError",
    "PlaybookFleetSummaryOperator",
    "PlaybookOperator",
    "fleet_dag",
    "parameter_value",
    "plan_fleet",
]
__version__ = "0.1.0"
