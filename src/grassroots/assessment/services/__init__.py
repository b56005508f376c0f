"""Writes of the assessment: indicator systems and weights, runs and their states, ratings, entered values, vetoes.

Every write is a service `<entity>_<action>(*, actor, ...)`: the policy checked, the change made and audited in one
transaction. A page asks a `<service>_check(*, actor, obj)` (through `core.web.allowed`) whether to show a button
that the service may refuse."""

from .ratings import qualitative_indicators, rating_by_user, rating_submit, token_lookup, tokens_issue
from .runs import (
    MOVES_FROM,
    run_close,
    run_close_check,
    run_collect,
    run_collect_check,
    run_compute,
    run_compute_check,
    run_create,
    run_publish,
    run_publish_check,
    run_recompute,
    run_recompute_check,
)
from .systems import (
    ADJUSTMENTS,
    ahp_check,
    set_ahp_weights,
    set_direct_weights,
    system_activate,
    system_activate_check,
    system_create,
    system_new_version,
    system_weights_check,
    upper_to_matrix,
    validate_system,
)
from .values import (
    REASON_LENGTH,
    entered_value_check,
    entered_value_remove,
    entered_value_set,
    veto_record,
    veto_withdraw,
    veto_withdraw_check,
)

__all__ = [
    "ADJUSTMENTS",
    "system_create",
    "validate_system",
    "upper_to_matrix",
    "ahp_check",
    "system_weights_check",
    "set_ahp_weights",
    "set_direct_weights",
    "system_new_version",
    "system_activate_check",
    "system_activate",
    "run_create",
    "run_compute_check",
    "run_compute",
    "MOVES_FROM",
    "run_collect_check",
    "run_collect",
    "run_publish_check",
    "run_publish",
    "run_close_check",
    "run_close",
    "run_recompute_check",
    "run_recompute",
    "entered_value_check",
    "entered_value_set",
    "entered_value_remove",
    "veto_record",
    "REASON_LENGTH",
    "veto_withdraw_check",
    "veto_withdraw",
    "tokens_issue",
    "token_lookup",
    "qualitative_indicators",
    "rating_submit",
    "rating_by_user",
]
