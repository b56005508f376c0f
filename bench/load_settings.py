"""Settings of the site as `make load` serves it: Grassroots' own, with the URLs of bench.load_urls."""

from grassroots.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
