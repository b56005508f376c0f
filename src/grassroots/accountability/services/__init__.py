"""Every write of pursuit: the rules, the cases and their steps, the rectifications, the run of the rules."""

from .cases import (
    case_close,
    case_close_check,
    case_decide,
    case_decide_check,
    case_dismiss,
    case_dismiss_check,
    case_open,
    case_open_check,
    case_review,
    case_review_check,
    case_statement,
    case_statement_check,
    case_withdraw,
    case_withdraw_check,
    proposed_measure,
    rectification_require,
    rectification_require_check,
)
from .rules import pursuit_rule_delete, pursuit_rule_set, rules_for
from .triggers import pursue

__all__ = [
    "case_close",
    "case_close_check",
    "case_decide",
    "case_decide_check",
    "case_dismiss",
    "case_dismiss_check",
    "case_open",
    "case_open_check",
    "case_review",
    "case_review_check",
    "case_statement",
    "case_statement_check",
    "case_withdraw",
    "case_withdraw_check",
    "proposed_measure",
    "pursue",
    "pursuit_rule_delete",
    "pursuit_rule_set",
    "rectification_require",
    "rectification_require_check",
    "rules_for",
]
