"""The hostile corpus: texts and names that try to take over the terminal or the UI."""

from __future__ import annotations

ESC, BEL, ST = "\x1b", "\x07", "\x1b\\"

TERMINAL_ATTACKS: dict[str, str] = {
    "osc0-title": f"{ESC}]0;PWN-TITLE-0{BEL}",
    "osc2-title-st": f"{ESC}]2;PWN-TITLE-2{ST}",
    "osc52-clipboard": f"{ESC}]52;c;cHduZWQtY2xpcGJvYXJk{BEL}",
    "osc52-primary-st": f"{ESC}]52;p;cHduZWQ={ST}",
    "osc8-hyperlink": f"{ESC}]8;;http://evil.example/x{BEL}click me{ESC}]8;;{BEL}",
    "osc777-notify": f"{ESC}]777;notify;PWN;body{BEL}",
    "csi-clear": f"{ESC}[2J{ESC}[3JPWN-CLEARED",
    "csi-cursor": f"{ESC}[31;7HPWN-MOVED{ESC}[5APWN-UP{ESC}7{ESC}8",
    "csi-altscreen": f"{ESC}[?1049hPWN-ALT{ESC}[?1049l",
    "csi-mouse": f"{ESC}[?1000h{ESC}[?1003h{ESC}[?1006hPWN-MOUSE",
    "csi-modes": f"{ESC}[?25lPWN-HIDE{ESC}[4hPWN-INSERT{ESC}[?1hPWN-CKM{ESC}=PWN-KEYPAD",
    "csi-origin-wrap": f"{ESC}[?6hPWN-ORIGIN{ESC}[?7lPWN-NOWRAP",
    "csi-queries": f"{ESC}[cPWN-DA{ESC}[>cPWN-DA2{ESC}[6nPWN-DSR{ESC}[21tPWN-TITLE-REPORT",
    "csi-sgr-bleed": f"{ESC}[5;31;47mPWN-BLINK",
    "dcs-decrqss": f"{ESC}P$qm{ST}PWN-DCS",
    "dcs-sixel": f"{ESC}Pq#0;2;0;0;0#0~~{ST}PWN-SIXEL",
    "c1-csi": "\u009b2JPWN-C1-CSI\u009b?1049h",
    "c1-osc": "\u009d0;PWN-C1-TITLE\u009c",
    "c1-dcs": "\u0090$qm\u009cPWN-C1-DCS",
    "c1-all": "".join(chr(c) for c in range(0x80, 0xA0)) + "PWN-C1",
    "c0-controls": "bell\x07 bs\x08\x08 cr\r nul\x00 del\x7f so\x0e si\x0f vt\x0b ff\x0c",
    "esc-alone": f"dangling {ESC}",
}
"""Byte sequences a terminal would act on. None of them may reach the terminal."""

UI_ATTACKS: dict[str, str] = {
    "rich-markup": "[bold red on white]PWN-MARKUP[/] [link=http://evil.example]link[/link]",
    "textual-actions": "[@click=app.quit]PWN-QUIT[/] [@click=screen.dismiss]x[/]",
    "textual-variables": "$accent $error $text PWN-VARS [$accent]v[/]",
    "escaped-brackets": r"\[not markup] \\[bold]still text[/]",
    "bidi": "PWN-BIDI \u202eevil.exe\u202c \u2066iso\u2069 \u200frlm \u061calm",
    "invisible": "PWN-INVIS\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2063end",
    "combining-flood": "PWN-ZALGO Z" + "\u0301\u0336\u0489" * 3000,
    "wide-and-emoji": "PWN-WIDE 表表表 👩‍👩‍👧‍👦" * 200,
    "huge-line": "PWN-HUGE " + "A" * (1024 * 1024),
    "many-lines": "PWN-LINES\n" + "\n" * 5000 + "end",
}
"""Text that would restyle, relabel or slow the UI if it were trusted."""

HOSTILE_NAMES: list[str] = [
    f"{ESC}]0;PWN-NAME-TITLE{BEL}Eve",
    f"{ESC}]52;c;bmFtZQ=={BEL}Mallory",
    "[bold]PWN-NAME-MARKUP[/] [@click=app.quit]Q[/]",
    "\u202ePWN-NAME-RLO\u202c",
    "\u009b2JPWN-NAME-C1",
    f"{ESC}[?1049hPWN-NAME-ALT",
    "N" + "\u0301" * 2000,
    "PWN-NAME-LONG " + "x" * 5000,
]

FORBIDDEN_ANYWHERE: dict[str, bytes] = {
    "OSC 52 clipboard": b"\x1b]52;",
    "OSC 8 hyperlink": b"\x1b]8;",
    "OSC 777 notification": b"\x1b]777;",
    "DCS": b"\x1bP",
    "DA query": b"\x1b[c",
    "DA2 query": b"\x1b[>c",
    "DSR query": b"\x1b[6n",
    "title report": b"\x1b[21t",
    "keypad mode": b"\x1b=",
    "insert mode": b"\x1b[4h",
    "origin mode": b"\x1b[?6h",
    "blink": b"\x1b[5;31;47m",
}
"""Sequences the dashboard itself never writes: seeing one means content leaked."""


def exact_sequences() -> dict[str, bytes]:
    """Each attack's control sequences exactly as sent, when distinctive enough to search."""
    found: dict[str, bytes] = {}
    names = {f"name{i}": n for i, n in enumerate(HOSTILE_NAMES)}
    for name, text in {**TERMINAL_ATTACKS, **names}.items():
        for start, char in enumerate(text):
            if char not in (ESC, "\u009b", "\u009d", "\u0090"):
                continue
            # The sequence with what follows it; the PWN tag makes it one the app never writes.
            piece = text[start : start + 14]
            if "PWN" in piece:
                found[f"{name}@{start}"] = piece[: piece.index("PWN") + 3].encode()
    return found
