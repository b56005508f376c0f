"""The client's address as the login lockout sees it: behind a reverse proxy, read from its forwarding header.

A request that comes from a trusted proxy (GRASSROOTS_TRUSTED_PROXIES) names its client in the forwarding header
(GRASSROOTS_CLIENT_IP_HEADER, X-Forwarded-For by default); the client is the right-most address there that is not
itself a trusted proxy, since everything to its left was written by the client and may be forged. A request from
anywhere else is its own client: its header is ignored. Without this, every user behind the proxy shares the
proxy's address, and five failures lock everybody out.
"""

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = set(settings.GRASSROOTS_TRUSTED_PROXIES)
    if remote not in trusted:
        return remote
    forwarded = request.META.get(settings.GRASSROOTS_CLIENT_IP_HEADER, "") or ""
    for address in reversed([a.strip() for a in forwarded.split(",") if a.strip()]):
        if address not in trusted:
            return address
    return remote
