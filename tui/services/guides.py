"""Where a real owner gets the token for each platform: the App Dashboard's own steps.

Written from Meta's pages (nermalcat69/meta-business-api, facebook-dev-docs/markdown/):
- documentation/business-messaging/messenger-platform/get-started.md ("Messenger API
  Setup" > "Generate access tokens" > Connect, choose the Pages)
- documentation/business-messaging/instagram-messaging/sample-experience.md ("3a. Get the
  Page access token": App Dashboard > Messenger > Instagram Settings > Generate Token; the
  Instagram app's "Allow Access to Messages" toggle)
- documentation/instagram-platform/instagram-api-with-instagram-login/messaging-api.md
  ("API setup with Instagram login", the Instagram App ID and secret, 60-day tokens)
- docs/graph-api/guides/secure-requests.md (the app secret, Settings > Basic)
Device login is documented nowhere for these permissions, so it is only offered against
the bundled simulator (reference section 0, item 4).
"""

from __future__ import annotations

from tui.services.signin import LinkPlatform

__all__ = ["token_steps"]

_APP_SECRET_HINT = (
    "Optional, for appsecret_proof and token checks: the app id under [apps.facebook] "
    "app_id in config.toml, its secret (App settings > Basic) under [app_secrets] facebook "
    "in secrets.toml."
)

_STEPS: dict[LinkPlatform, tuple[str, ...]] = {
    LinkPlatform.MESSENGER: (
        "developers.facebook.com/apps: open your Business app with the Messenger use case.",
        "Messenger API Setup > Generate access tokens > Connect: log in, pick your Page, "
        "Continue, Save.",
        "Press Generate beside the Page and copy the Page access token.",
        "Paste it below (it stays hidden and goes to secrets.toml, mode 0600).",
        _APP_SECRET_HINT,
    ),
    LinkPlatform.INSTAGRAM_PAGE: (
        "The Instagram professional account must be linked to your Facebook Page, and its "
        "app setting Messages > Connected Tools > Allow Access to Messages turned on.",
        "developers.facebook.com/apps: your Business app > Messenger > Instagram Settings "
        "(or Messenger API Setup) > Generate Token beside the Page.",
        "Copy that Page access token and paste it below.",
        _APP_SECRET_HINT,
    ),
    LinkPlatform.INSTAGRAM_LOGIN: (
        "developers.facebook.com/apps: your app > Instagram > API setup with Instagram login.",
        "Generate access tokens > Add account: log in to the Instagram professional "
        "account, then Generate token and copy it (valid 60 days; refreshed for you).",
        "Paste it below.",
        "Optional: the Instagram app ID and secret (Business login settings; not the "
        "Facebook app's) under [apps.instagram] app_id in config.toml and [app_secrets] "
        "instagram in secrets.toml, or LINKDECK_IG_APP_SECRET.",
    ),
}


def token_steps(platform: LinkPlatform) -> tuple[str, ...]:
    """The numbered steps to get a token for ``platform`` from Meta's App Dashboard."""
    return _STEPS[platform]
