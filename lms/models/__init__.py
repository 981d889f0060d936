"""The lms data model, one module per aggregate."""

from lms.models.audit import AuditEvent
from lms.models.base import OrgScoped, Timestamped, Versioned
from lms.models.customers import (
    CUSTOMER_KINDS,
    OUTCOME_DIRECTIONS,
    Circumstance,
    Customer,
    Job,
    Outcome,
    OutcomeRating,
    circumstance_required_jobs,
    circumstance_ruled_out_jobs,
)
from lms.models.flow import LIFECYCLES, FlowActivity, FlowEvent, FlowProfile
from lms.models.kpis import KPI_DIRECTIONS, Kpi, KpiMeasurement, KpiOutcomeLink
from lms.models.org import ROLES, ApiToken, LoginAttempt, Organization, User, UserSession
from lms.models.reviews import (
    ACTION_STAGES,
    REVIEW_KINDS,
    REVIEW_STATUSES,
    Action,
    Finding,
    Review,
    review_participants,
)
from lms.models.streams import STREAM_STATES, Step, ValueStream

__all__ = [
    "ACTION_STAGES", "CUSTOMER_KINDS", "KPI_DIRECTIONS", "OUTCOME_DIRECTIONS", "REVIEW_KINDS",
    "LIFECYCLES", "REVIEW_STATUSES", "ROLES", "STREAM_STATES",
    "Action", "ApiToken", "AuditEvent", "Circumstance", "Customer", "Finding", "FlowActivity", "FlowEvent",
    "FlowProfile",
    "Job", "Kpi", "KpiMeasurement",
    "KpiOutcomeLink", "LoginAttempt", "Organization", "OrgScoped", "Outcome", "OutcomeRating",
    "Review", "Step", "Timestamped", "User", "UserSession", "ValueStream", "Versioned",
    "circumstance_required_jobs", "circumstance_ruled_out_jobs", "review_participants",
]
