"""``X-Hub-Signature-256``: HMAC-SHA256 of the raw request body with the app secret.

Meta signs the bytes it sends (its JSON escapes non-ASCII as ``\\uXXXX``), so the check
runs over the raw body before anything parses it; a body re-encoded on the way (a proxy
that decodes and re-serialises JSON) no longer matches, by design.
Source: developers.facebook.com/documentation/business-messaging/messenger-platform/
webhooks/webhook-events ("Validate Payloads").
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

HEADER = "X-Hub-Signature-256"
_FORM = re.compile(r"sha256=([0-9a-fA-F]{64})")


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta would send for ``body``."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def check(body: bytes, header: str | None, app_secrets: str | Sequence[str]) -> str | None:
    """``None`` when the signature is right for one of ``app_secrets``, else a short reason
    fit for a log line.

    More than one secret: which of our Meta apps signs a delivery is not certain (the
    Facebook app for Messenger and Instagram through a Page; the reference does not say
    whether Instagram Login deliveries are signed with the Instagram app's secret), so a
    signature by any of our own apps is accepted. Each comparison takes the same time
    wherever the digests differ.
    """
    if not header:
        return "no X-Hub-Signature-256 header"
    match = _FORM.fullmatch(header.strip())
    if match is None:
        return "malformed X-Hub-Signature-256 header"
    given = match.group(1).lower()
    secrets = (app_secrets,) if isinstance(app_secrets, str) else tuple(app_secrets)
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, given):
            return None
    return "signature does not match the body"
