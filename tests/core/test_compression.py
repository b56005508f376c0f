"""Pages, CSS and scripts travel gzipped to slow phones; files that are compressed already do not."""


def test_pages_travel_gzipped_and_files_as_they_are(client, db):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en", HTTP_ACCEPT_ENCODING="gzip")
    assert page["Content-Encoding"] == "gzip"

    from django.http import HttpResponse

    from grassroots.core.middleware import TextGZipMiddleware

    photo = HttpResponse(b"\x89PNG" + b"\0" * 5000, content_type="image/png")
    request = type("R", (), {"META": {"HTTP_ACCEPT_ENCODING": "gzip"}})()
    assert not TextGZipMiddleware(lambda r: photo).process_response(request, photo).has_header("Content-Encoding")
