"""`grassroots manage rebuild_totals`: count every total the dashboards keep (site/dashboards/totals.py) from the
records, after writes made past the services (a restore of an old backup, a fix by hand in SQL)."""

from django.core.management.base import BaseCommand

from grassroots.duties.counting import rebuild_counted
from grassroots.site.dashboards.totals import rebuild


class Command(BaseCommand):
    help = "Count the dashboards' totals (and the roll-up's stored rule) again from the records; prints what changed."

    def handle(self, *args, **options):
        flags = rebuild_counted()
        rows = rebuild()
        self.stdout.write(f"assignments whose counted flag changed: {flags}; totals that differed: {rows}")
