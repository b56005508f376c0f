"""Pages of duties: my work, duty lists, issuing down, assignments, reports with evidence, review."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def my_work(request):
    return HttpResponse("")


duty_list = duty_detail = assignment_detail = review_queue = my_work
