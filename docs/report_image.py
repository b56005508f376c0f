"""Render the first page of a demo period report to a PNG for the README: `make report-image`.

Reads the database of DATABASE_URL (the demo of `make run` by default): the report of the demo secretary's village
branch for this year, as the demo's township officer reads it, in Chinese.
"""

import os
import sys
import tempfile


def main(out: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.config.settings")
    import django

    django.setup()
    import pypdfium2
    from django.contrib.auth import get_user_model
    from django.utils import timezone, translation

    from grassroots.core.periods import period_for
    from grassroots.organizations.models import Grant
    from grassroots.reports import services

    users = get_user_model().objects
    branch = Grant.objects.select_related("organization").get(user__username="secretary").organization
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf, translation.override("zh-hans"):
        services.report_export(
            actor=users.get(username="township"),
            organization=branch,
            period=period_for(str(timezone.localdate().year)),
            fmt="pdf",
            target=pdf.name,
        )
        page = pypdfium2.PdfDocument(pdf.name)[0]
        page.render(scale=1.4).to_pil().convert("P", palette=1, colors=64).save(out, optimize=True)
    print(f"{out} written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/report-page.png"))
