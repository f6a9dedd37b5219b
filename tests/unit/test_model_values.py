"""Lists of allowed values the models keep for their CHECK constraints match the code's enums."""

from __future__ import annotations

from app.meetings.recurrence import HolidayPolicy
from app.models.meeting import HOLIDAY_POLICIES


def test_holiday_policies_of_the_model_are_those_of_the_recurrence_engine():
    assert set(HOLIDAY_POLICIES) == {policy.value for policy in HolidayPolicy}
