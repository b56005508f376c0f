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

# --- Commendations and the red/yellow board ---
from .honours import (  # noqa: E402
    Candidate,
    board_publish,
    board_publish_check,
    board_withdraw,
    board_withdraw_check,
    commendation_decide,
    commendation_decide_check,
    commendation_proposals,
    commendation_proposals_check,
    commendation_propose,
    commendation_propose_check,
    commendation_withdraw,
    commendation_withdraw_check,
    final_runs,
)

__all__ += [
    "Candidate",
    "board_publish",
    "board_publish_check",
    "board_withdraw",
    "board_withdraw_check",
    "commendation_decide",
    "commendation_decide_check",
    "commendation_propose",
    "commendation_propose_check",
    "commendation_proposals",
    "commendation_proposals_check",
    "commendation_withdraw",
    "commendation_withdraw_check",
    "final_runs",
]
