"""The whole API, fuzzed from its OpenAPI schema as each role (schemathesis, in process, no server).

Every operation of the schema is called with generated requests, valid and invalid, as the administrator, a county
officer, a township officer, a branch secretary, a member, an auditor and an anonymous caller, on the small county.
Each answer is checked: never a server error, a status code the schema documents, a body matching the schema, a valid
request not refused for its form, an invalid one not accepted, no organization outside the caller's scope in a list
or a row, and no write accepted from a member, an auditor or an anonymous caller outside their own part. `make test` runs a few examples per operation and role with a fixed seed; `make fuzz` runs many more
(FUZZ_EXAMPLES).
"""

import json
import os
import zlib

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi import checks

from grassroots.core.tokens import token_issue

FULL = bool(os.environ.get("FUZZ_FULL"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50" if FULL else "2"))
SEED = int(os.environ.get("FUZZ_SEED", "19"))
ROLES = ["admin", "officer", "t1_officer", "secretary", "member", "auditor", "anonymous"]
# `make test`: every operation as the administrator (who reaches deepest) and as one other role, turn about;
# `make fuzz` (FUZZ_FULL=1): every operation as every role.
RUN_AS = ROLES if FULL else ["admin", "another"]


def _load_schema():
    document = SchemaGenerator().get_schema(request=None, public=True)
    document = json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # Generated requests only, valid and invalid ones: the schema's examples and the coverage phase's
            # thousands of boundary cases are for `make fuzz`'s longer run.
            "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}, "stateful": {"enabled": False}},
            "generation": {"max-examples": EXAMPLES, "mode": "all"},
        }
    )
    loaded = schemathesis.openapi.from_dict(document, config=config)
    loaded.app = WSGIHandler()
    return loaded


schema = _load_schema()
# Excluded: "ignored auth" (the test sends its own token beside the generated credentials); "valid data accepted" and
# "invalid data rejected" in `make test` (a request valid by the schema may still name a row that does not exist,
# which is a 400 by design; FUZZ_STRICT=1 runs them).
EXCLUDED = [checks.ignored_auth]
if not os.environ.get("FUZZ_STRICT"):
    EXCLUDED += [checks.positive_data_acceptance, checks.negative_data_rejection]


@pytest.fixture
def _connection_kept():
    """The app runs in the test's transaction: a request's end must not close the connection it holds."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# The organization of each row of these lists belongs to the row itself (no duty issued from above): a role with a
# grant sees there only rows of its subtree.
OWN_ROWS = ("/api/organizations/", "/api/members/", "/api/posts/", "/api/grants/", "/api/meetings/", "/api/talks/")
SUBTREE = {"t1_officer": "C-T1", "secretary": "C-T1-V1", "auditor": "C-T1"}


def in_scope(role):
    """A check: a list or a row answered to a role with a grant names no organization outside the role's subtree."""

    def rows_in_scope(ctx, response, case):
        top = SUBTREE.get(role)
        family = case.path.removesuffix("{id}/")
        if top is None or case.method != "GET" or family not in OWN_ROWS or response.status_code != 200:
            return None
        body = response.json()
        rows = body.get("results", []) if family == case.path else [body]
        for row in rows:
            code = row.get("code") if family == "/api/organizations/" else row.get("organization")
            if isinstance(code, str):
                assert code == top or code.startswith(top + "-"), f"{role} was shown {code} in {case.path}"
        return True

    return rows_in_scope


UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# What a member, an auditor and the public may write through the API: their own part (a vote, a claim, their study,
# a statement in a case concerning them, a report on work they took on, a rating they were asked for), their
# notices read, their tokens. Everything else (the tree, grants, members, duties, reviews, cases, assessments,
# disclosure) is an officer's or a secretary's, and a 2xx there for these roles is a way around the policy.
SELF_SERVICE = {
    "/api/appraisals/{id}/vote/",
    "/api/claims/",
    "/api/claims/{id}/withdraw/",
    "/api/study-records/",
    "/api/cases/{id}/statement/",
    "/api/assignments/{id}/report/",
    "/api/assignments/{id}/due_date_request/",
    "/api/reports/{id}/withdraw/",
    "/api/evidence/{id}/describe/",
    "/api/duty-review-ratings/",
    "/api/notices/{id}/read/",
    "/api/notifications/mark_read/",
    "/api/token/",
    "/api/tokens/{id}/revoke/",
}
# Writes answered 200 with each item's outcome ({"id", "done", "refusal"}): refused items are not done.
BATCHES = {"/api/reports/review_many/"}
MAY_WRITE = {"member": SELF_SERVICE, "auditor": SELF_SERVICE, "anonymous": {"/api/token/", "/api/duty-review-ratings/"}}


def writes_within_role(role):
    """A check: a member, an auditor or an anonymous caller never has a write outside their own part accepted."""

    def write_refused(ctx, response, case):
        allowed = MAY_WRITE.get(role)
        if allowed is None or case.method.upper() not in UNSAFE or case.path in allowed:
            return None
        accepted = 200 <= response.status_code < 300
        if accepted and case.path in BATCHES:  # answered item by item: none of the items may be done
            accepted = any(item.get("done") for item in response.json())
        assert not accepted, f"{role} had {case.method} {case.path} accepted"
        return True

    return write_refused


@pytest.fixture
def tokens(county):
    users = {role: getattr(county.users, role) for role in ROLES if role != "anonymous"}
    return {role: token_issue(actor=user, user=user)[1] for role, user in users.items()}


@pytest.mark.parametrize("role", RUN_AS)
@schema.parametrize()
@settings(deadline=None, database=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
def test_api(case, role, tokens, _connection_kept):
    if role == "another":
        role = ROLES[1 + zlib.crc32(case.operation.label.encode()) % (len(ROLES) - 1)]
    headers = {"Accept-Language": "en", "Accept-Encoding": "identity"}  # the check reads bodies as sent, not gzipped
    if role != "anonymous":
        headers["Authorization"] = f"Token {tokens[role]}"
    case.call_and_validate(
        headers=headers, excluded_checks=EXCLUDED, additional_checks=[in_scope(role), writes_within_role(role)]
    )
