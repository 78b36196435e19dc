"""VIP and contact status belong to ids the user chose; names cannot borrow them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tui.config import load_prefs
from tui.domain.models import Platform
from tui.domain.rules import NotificationRule, NotificationSettings, RuleAction, Sink
from tui.modals.search import OWN_MARK_STYLE, SearchHitRow
from tui.services.rule_engine import decide
from tui.store.search import SearchHit

from .conftest import NOW, ctx, msg

VIP_RULE = NotificationRule("VIP", senders=("vip",), sinks=(Sink.TOAST, Sink.BELL))
STRANGERS_SILENT = NotificationRule("Strangers", senders=("stranger",), action=RuleAction.SILENT)
LOOK_ALIKES = [
    "ANA SILVA",
    "ana silva",
    "Ａｎａ Ｓｉｌｖａ",  # full-width
    "Ána Sílva",  # combining marks
    "Ana\u00a0Silva",  # another space
    "Ana Silva ",  # a trailing space
    "𝐀𝐧𝐚 𝐒𝐢𝐥𝐯𝐚",  # mathematical bold
    "Аnа Silva",  # Cyrillic А and а
]


def test_look_alike_names_of_a_vip_get_no_vip_alert_past_a_strangers_rule() -> None:
    # The VIP was chosen by id; the old config also named her (kept, but not trusted).
    settings = NotificationSettings(
        rules=(VIP_RULE, STRANGERS_SILENT), vip=("psid_ana", "Ana Silva", "@ana.silva")
    )
    for n, name in enumerate(LOOK_ALIKES):
        stranger = msg("hi", sender=f"psid_stranger_{n}", name=name)
        decision = decide(stranger, settings, ctx(known=False, username="ana.silva"))
        assert decision.rule_name == "Strangers", name
        assert not decision.alerts, name
    real = decide(msg("hi", sender="psid_ana", name="Ana Silva"), settings, ctx(known=True))
    assert real.rule_name == "VIP" and real.alerts


def test_name_entries_in_the_vip_list_are_kept_with_a_warning(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[notifications]\nvip = ["Ana Silva", "person:3", "bakery:5648485069506992", "17841"]\n',
        encoding="utf-8",
    )
    prefs, problems = load_prefs(config)
    assert prefs.notifications.vip == ("Ana Silva", "person:3", "bakery:5648485069506992", "17841")
    (warning,) = [p for p in problems if p.key == "notifications.vip"]
    assert warning.severity == "warning" and "1 entry is a name" in warning.message


def _who_style(row: SearchHitRow) -> list[str]:
    content = row.render(100)
    return [str(span.style) for span in content.spans if str(span.style) == OWN_MARK_STYLE]


def test_our_own_messages_carry_a_mark_no_name_can_forge_in_search() -> None:
    from tui.domain.models import Conversation, Identity

    customer = Identity(account_id="bakery", platform_user_id="psid_1", name="you")
    conversation = Conversation(
        account_id="bakery",
        remote_id="t_1",
        platform=Platform.MESSENGER,
        customer=customer,
        updated_at=NOW,
    )
    ours = msg("we open at nine", from_us=True, sender="page_1", name="Bakery")
    theirs = replace(msg("we open at nine", name="▶ you"), sender_name="▶ you")
    own = SearchHitRow(SearchHit(ours, conversation, [(0, 2)]), NOW)
    forged = SearchHitRow(SearchHit(theirs, conversation, [(0, 2)]), NOW)
    assert _who_style(own), "our message is drawn with the own mark"
    assert _who_style(forged) == [], "a name is never drawn with it"


def test_every_look_alike_has_the_skeleton_of_the_name_it_imitates() -> None:
    from tui.domain.confusables import skeleton

    assert {skeleton(name) for name in LOOK_ALIKES} == {skeleton("Ana Silva")}
    assert skeleton("Ana Silva") != skeleton("Ana Sliva")
    assert skeleton("rnaria") == skeleton("maria") and skeleton("0scar") == skeleton("Oscar")
    assert skeleton(" \tAna\x1f  Si1va\n") == skeleton("ana silva")
    long_tail = " da Costa Pereira dos Santos e Albuquerque"  # past the cached length
    assert skeleton("Аna Silva" + long_tail) == skeleton("Ana Silva" + long_tail)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_an_ascii_name_folds_as_the_general_path_folds_it(name: str) -> None:
    # ASCII names take a short path; a control character, a tab, a doubled space or a
    # "0"/"rn" look-alike must come out of it exactly as the full NFKD fold gives it.
    from tui.domain.confusables import _letters, _spaces_and_marks, skeleton

    assert skeleton(name) == _letters(_spaces_and_marks(name))


def test_the_known_names_are_folded_again_only_when_they_change() -> None:
    """Each screen reads the known names as it opens and the inbox every minute; the same
    names give back the fold already made (about 0.1 s on a large store), a new or changed
    name makes a new one, and it marks the new look-alikes."""
    from tui.domain.confusables import fold_known

    entries = [("Ana Silva", "p1", None), ("Bruno Costa", "p2", 7)]
    first = fold_known(entries)
    assert fold_known([tuple(e) for e in entries]) is first  # equal, not the same list
    assert first.lookalike("Аna Silva", "stranger", None) == "Ana Silva"
    assert first.lookalike("Oscar", "stranger", None) is None
    changed = fold_known([*entries, ("Oscar", "p3", None)])
    assert changed is not first
    assert changed.lookalike("0scar", "stranger", None) == "Oscar"
    assert fold_known(entries) is not changed  # back as they were: folded again, right
    assert fold_known(entries).lookalike("0scar", "stranger", None) is None
