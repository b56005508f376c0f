"""The pages of pursuit: the cases a user may read, and one case with its steps."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from . import selectors


@login_required
def case_list(request):
    cases = selectors.case_list(user=request.user)
    return render(request, "accountability/cases.html", {"cases": cases[:200]})


@login_required
def case_detail(request, pk):
    case = get_object_or_404(selectors.case_list(user=request.user), pk=pk)
    if not selectors.may_read_case(request.user, case):
        raise Http404()
    return render(
        request,
        "accountability/case.html",
        {
            "case": case,
            "rectifications": selectors.rectifications_of(case),
            "may_pursue": selectors.may_pursue(request.user, case),
        },
    )
