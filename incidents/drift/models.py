"""When each drift monitor runs next."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from incidents.models import UTCDateTime


class MonitorSchedule(SQLModel, table=True):
    """When each drift monitor (`fraud-detector#1`) runs next. In the database, not in a
    replica's memory, so every replica agrees and a restart keeps the rhythm."""

    __tablename__ = "monitor_schedule"

    monitor_id: str = Field(primary_key=True)
    next_due: datetime = Field(sa_type=UTCDateTime)

