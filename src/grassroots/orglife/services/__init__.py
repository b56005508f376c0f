"""Writes of organizational life: meetings with attendance, study, points, appraisal, care and talks.

Each topic has its module; the names are re-exported here, so callers write `services.meeting_hold`.
"""

from .appraisal import (
    appraisal_close,
    appraisal_close_check,
    appraisal_open,
    appraisal_vote,
    appraisal_vote_check,
    appraisal_voter_check,
)
from .care import care_case_close, care_case_close_check, care_case_open, care_visit_record, talk_record
from .meetings import (
    COURSE_FIELDS,
    POINT_RULE_FIELDS,
    RULE_FIELDS,
    meeting_file_describe,
    meeting_file_describe_check,
    meeting_hold,
    meeting_hold_check,
    meeting_record,
    meeting_rule_change_check,
    meeting_rule_delete,
    meeting_rule_set,
    point_rule_change_check,
    point_rule_set,
    study_course_change_check,
    study_course_delete,
    study_course_set,
)
from .points import (
    award_duty_points,
    award_meeting_points,
    award_study_points,
    points_correct,
    points_correct_check,
    points_enter,
)
from .study import PLAN_FIELDS, study_plan_create, study_record_create, study_record_decide, study_record_decide_check

__all__ = [
    "COURSE_FIELDS",
    "PLAN_FIELDS",
    "POINT_RULE_FIELDS",
    "RULE_FIELDS",
    "appraisal_close",
    "appraisal_close_check",
    "appraisal_open",
    "appraisal_vote",
    "appraisal_vote_check",
    "appraisal_voter_check",
    "award_duty_points",
    "award_meeting_points",
    "award_study_points",
    "care_case_close",
    "care_case_close_check",
    "care_case_open",
    "care_visit_record",
    "meeting_file_describe",
    "meeting_file_describe_check",
    "meeting_hold",
    "meeting_hold_check",
    "meeting_record",
    "meeting_rule_change_check",
    "meeting_rule_delete",
    "meeting_rule_set",
    "point_rule_change_check",
    "point_rule_set",
    "points_correct",
    "points_correct_check",
    "points_enter",
    "study_course_change_check",
    "study_course_delete",
    "study_course_set",
    "study_plan_create",
    "study_record_create",
    "study_record_decide",
    "study_record_decide_check",
    "talk_record",
]
