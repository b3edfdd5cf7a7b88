"""SQLAlchemy 2 typed models, one module per aggregate, plus their services."""
from flask_sqlalchemy import SQLAlchemy

from .base import Base

db = SQLAlchemy(model_class=Base)

from .audit import AuditLog, Notification  # noqa: E402
from .awards import Award, AwardRanking  # noqa: E402
from .campaign import Campaign, ChecklistItem, ChecklistTemplate, GateApproval, Participation  # noqa: E402
from .compensation import CompensationRule, CompensationTier, LaborCompensation  # noqa: E402
from .customer import Customer, Vehicle  # noqa: E402
from .execution import Feedback, FeedbackRating, SignIn  # noqa: E402
from .followup import Callback, Complaint  # noqa: E402
from .imports import ImportJob  # noqa: E402
from .org import Dealer, Region, User  # noqa: E402
from .planning import PlanAttendee, PlanGoal, PlanMeeting, PlanMilestone  # noqa: E402
from .preparation import (CustomerInvitation, DailyFlow, DailyFlowSlot, PreparationItem,  # noqa: E402
                          Trainee, TrainingSession)
from .reporting import (ClosingMeeting, CoachingDuty, CoachingVisit, RevenueReport,  # noqa: E402
                        WeeklySummary, WeeklySummaryRow)
from .verification import VerificationAttempt, VerificationTask  # noqa: E402
from .workorder import WorkOrder, WorkOrderItem  # noqa: E402
from .snapshots import KpiSnapshot  # noqa: E402
from . import search  # noqa: E402,F401  (indexes of the lists at scale, on the tables above)


def init_db(app) -> None:
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        with app.app_context():
            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_conn, _record) -> None:
                # WAL lets the web and the flow runner read while one writes.
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA journal_mode=WAL")
                # A writer waits its turn instead of failing: 50 customers signing in at once by QR
                # queue for one write lock, which on a loaded machine takes longer than 5 s.
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()


__all__ = [
    "db", "Base", "AuditLog", "Notification", "Campaign", "ChecklistItem", "ChecklistTemplate",
    "GateApproval", "Participation", "CompensationRule", "CompensationTier", "LaborCompensation",
    "Customer", "Vehicle", "ImportJob", "Feedback", "FeedbackRating", "SignIn", "Callback", "Complaint",
    "Dealer", "Region", "User", "PlanAttendee", "PlanGoal", "PlanMeeting", "PlanMilestone",
    "CustomerInvitation", "DailyFlow", "DailyFlowSlot", "PreparationItem", "Trainee",
    "TrainingSession", "ClosingMeeting", "CoachingDuty", "CoachingVisit", "RevenueReport",
    "WeeklySummary", "WeeklySummaryRow", "WorkOrder", "WorkOrderItem", "VerificationTask",
    "VerificationAttempt", "Award", "AwardRanking", "KpiSnapshot",
]
