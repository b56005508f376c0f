"""Where files are kept, read from the environment: evidence and meeting files on local disk (the default) or in an
S3-compatible object store (GRASSROOTS_STORAGE=s3), static files compressed with hashed names in production."""

from collections.abc import Mapping

LOCAL = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"


def s3_options(env: Mapping[str, str]) -> dict:
    """django-storages' S3 options from GRASSROOTS_S3_*: private objects, never overwritten, read back through
    Grassroots (which serves them as inert content), never handed out as links to the store itself."""
    missing = [name for name in ("GRASSROOTS_S3_BUCKET",) if not env.get(name)]
    if missing:
        raise ValueError(f"GRASSROOTS_STORAGE=s3 needs {', '.join(missing)}")
    options = {
        "bucket_name": env["GRASSROOTS_S3_BUCKET"],
        "location": env.get("GRASSROOTS_S3_PREFIX", "").strip("/"),
        "default_acl": "private",
        "file_overwrite": False,
        "querystring_auth": True,
        "signature_version": "s3v4",
        "addressing_style": env.get("GRASSROOTS_S3_ADDRESSING_STYLE", "path"),
    }
    for option, name in (
        ("endpoint_url", "GRASSROOTS_S3_ENDPOINT_URL"),
        ("region_name", "GRASSROOTS_S3_REGION"),
        ("access_key", "GRASSROOTS_S3_ACCESS_KEY"),
        ("secret_key", "GRASSROOTS_S3_SECRET_KEY"),
    ):
        if env.get(name):
            options[option] = env[name]
    return options


def storages_from_env(env: Mapping[str, str], *, production: bool) -> dict:
    """Django's STORAGES: the default storage (uploads) local or S3, the static files' storage by mode."""
    kind = env.get("GRASSROOTS_STORAGE", "local").strip().lower() or "local"
    if kind == "local":
        default = {"BACKEND": LOCAL}
    elif kind == "s3":
        default = {"BACKEND": S3, "OPTIONS": s3_options(env)}
    else:
        raise ValueError(f"GRASSROOTS_STORAGE must be local or s3, not {kind!r}")
    static = (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if production
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    return {"default": default, "staticfiles": {"BACKEND": static}}
