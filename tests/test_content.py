"""The spoken content: complete, short enough for the ear, hedged, and faithful in its claims."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from massage_guide import content as content_module
from massage_guide.content import Benefit, content_for
from skill_tools.paths import REPO_ROOT
from tests.locales import LOCALES
from tests.support import CLAIMS, health_claims

TEXT = content_for("en-US")
SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def sentences(text: str) -> int:
    return len(SENTENCE_END.findall(text))


def test_seven_benefits_in_the_article_order() -> None:
    assert [b.id for b in TEXT.benefits] == [
        "muscle_relaxation", "pain_relief", "circulation", "flexibility",
        "stress_reduction", "posture", "wellbeing",
    ]  # fmt: skip


@pytest.mark.parametrize("benefit", TEXT.benefits, ids=lambda b: b.id)
def test_line_summary_and_detail_go_deeper_step_by_step(benefit: Benefit) -> None:
    assert sentences(benefit.line) == 1 and len(benefit.line.split()) <= 16
    assert 1 <= sentences(benefit.summary) <= 2 and len(benefit.summary.split()) <= 26
    assert 3 <= sentences(benefit.detail) <= 5 and len(benefit.detail.split()) <= 55
    assert len(benefit.line) < len(benefit.summary) < len(benefit.detail)


def test_overview_names_every_benefit_in_one_short_breath() -> None:
    overview = TEXT.overview.lower()
    assert len(overview.split()) <= 45
    for idea in ("muscle", "pain", "circulation", "flexib", "stress", "posture", "well-being"):
        assert idea in overview, idea


NOT_SPOKEN = frozenset({"_comment", "inherits", "benefit_order", "articles"})
"""Keys of a locale file that are bookkeeping, never said or shown."""


def spoken_strings(value: object) -> list[str]:
    """Every string in a locale file that is spoken or shown on a card or screen."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [
            text
            for key, item in value.items()
            if key not in NOT_SPOKEN
            for text in spoken_strings(item)
        ]
    if isinstance(value, list):
        return [text for item in value for text in spoken_strings(item)]
    return []


LOCALE_FILES = sorted(content_module.LOCALES_DIR.glob("*.json"))


@pytest.mark.parametrize("path", LOCALE_FILES, ids=lambda p: p.stem)
def test_no_locale_promises_a_cure_a_fix_or_a_guarantee(path: Path) -> None:
    language = path.stem.split("-")[0]
    assert language in CLAIMS, f"add the claim words of {language!r} to tests/support.CLAIMS"
    for text in spoken_strings(json.loads(path.read_text(encoding="utf-8"))):
        assert not health_claims(text, language), text


def test_the_claim_check_catches_claims_and_spares_the_honest_sentence() -> None:
    assert health_claims("Massage will cure your back.", "en") == ["cure"]
    assert health_claims("It can heal and fix anything, guaranteed.", "en") == [
        "heal", "fix", "guaranteed",
    ]  # fmt: skip
    assert health_claims("This will relieve it.", "en") == ["will relieve"]
    assert health_claims(TEXT.not_a_cure, "en") == []
    assert "cure" in TEXT.not_a_cure


def test_health_wording_points_to_a_therapist_and_to_a_doctor() -> None:
    assert "qualified" in TEXT.therapist_advice and "therapist" in TEXT.therapist_advice
    assert "qualified" in TEXT.therapist_tip and "therapist" in TEXT.therapist_tip
    assert "not medical advice" in TEXT.disclaimer and "doctor" in TEXT.disclaimer
    for worry in ("severe", "lasting", "injury"):
        assert worry in TEXT.disclaimer, worry
    assert "not medical advice" in TEXT.source


def test_every_prompt_and_variant_fills_without_leaving_braces() -> None:
    for key, variants in TEXT.prompts.items():
        names = {n for template in variants for n in PLACEHOLDER.findall(template)}
        values = {name: "x" for name in names if not name.startswith("say_")}
        for variant in range(len(variants)):
            filled = TEXT.prompt(key, variant, **values)
            assert "{" not in filled and "}" not in filled, key


def test_variants_of_a_prompt_share_their_placeholders() -> None:
    for key, variants in TEXT.prompts.items():
        shapes = {frozenset(PLACEHOLDER.findall(template)) - SAYS for template in variants}
        assert len(shapes) == 1, key
        assert len(set(variants)) == len(variants), f"{key} repeats a variant"


SAYS = frozenset(f"say_{key}" for key in TEXT.say)
VARIED = ("tour_next_question", "what_next", "ack", "fallback", "welcome_returning", "goodbye")


@pytest.mark.parametrize("key", VARIED)
def test_prompts_heard_again_and_again_have_three_ways_to_be_said(key: str) -> None:
    assert TEXT.variants(key) >= 3


def test_suggested_phrases_come_only_from_the_say_table() -> None:
    """ "say ..." in a template must be followed by a {say_...} placeholder, so every phrase a
    listener is told to say is in the table that tests/test_understood.py checks."""
    for key, variants in TEXT.prompts.items():
        for template in variants:
            for found in re.finditer(r"\bsay\s+(\S+)", template, re.IGNORECASE):
                assert found.group(1).startswith("{say_"), (key, template)
    used = {n for v in TEXT.prompts.values() for t in v for n in PLACEHOLDER.findall(t)}
    assert {n for n in used if n.startswith("say_")} <= SAYS


@pytest.mark.parametrize(
    ("locale", "chain"),
    [
        ("en-US", ["en"]),
        ("en-CA", ["en"]),
        ("en-GB", ["en-GB", "en"]),
        ("en-AU", ["en-AU", "en-GB", "en"]),
        ("en-IN", ["en-IN", "en-GB", "en"]),
        ("fr-FR", ["en"]),
        ("", ["en"]),
        ("../../etc", ["en"]),
        (None, ["en"]),
    ],
)
def test_locales_fall_back_by_region_then_language_then_to_english(
    locale: str | None, chain: list[str]
) -> None:
    assert content_module._language_chain(locale) == chain
    words = content_for(locale)
    assert len(words.benefits) == 7
    assert words.language == chain[0]


def test_british_spelling_and_local_help_where_listeners_would_notice() -> None:
    assert "summarized" in content_for("en-US").source
    for locale in ("en-GB", "en-AU", "en-IN"):
        assert "summarised" in content_for(locale).source, locale
    assert "911" in content_for("en-US").prompt("safety_emergency")
    assert "999" in content_for("en-GB").prompt("safety_emergency")
    assert "triple zero" in content_for("en-AU").prompt("safety_emergency")
    assert "112" in content_for("en-IN").prompt("safety_emergency")


BASE_FILES = [path for path in LOCALE_FILES if "-" not in path.stem]
REGIONAL_FILES = [path for path in LOCALE_FILES if "-" in path.stem]
ENGLISH = json.loads((content_module.LOCALES_DIR / "en.json").read_text(encoding="utf-8"))


def placeholders(template: str) -> set[str]:
    return {name for name in PLACEHOLDER.findall(template) if not name.startswith("say_")}


@pytest.mark.parametrize("path", BASE_FILES, ids=lambda p: p.stem)
def test_every_language_says_everything_english_says(path: Path) -> None:
    """A language file stands alone: a gap would otherwise fall back to English speech."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) - {"_comment"} == set(ENGLISH) - {"_comment"}
    assert data["benefit_order"] == ENGLISH["benefit_order"]
    assert set(data["benefits"]) == set(ENGLISH["benefits"])
    for benefit in data["benefits"].values():
        assert set(benefit) == {"name", "title", "line", "summary", "detail"}
    assert {k: v["benefits"] for k, v in data["causes"].items()} == {
        k: v["benefits"] for k, v in ENGLISH["causes"].items()
    }
    assert set(data["limits"]) == set(ENGLISH["limits"])
    assert set(data["prompts"]) == set(ENGLISH["prompts"])
    for key, english in ENGLISH["prompts"].items():
        ours = data["prompts"][key]
        assert isinstance(ours, list) == isinstance(english, list), key
        variants = ours if isinstance(ours, list) else [ours]
        wanted = placeholders(english if isinstance(english, str) else english[0])
        assert all(placeholders(v) == wanted for v in variants), key
        if isinstance(english, list):
            assert len(ours) >= 3, key
        for variant in variants:
            for name in PLACEHOLDER.findall(variant):
                assert not name.startswith("say_") or name[4:] in data["say"], (key, name)


@pytest.mark.parametrize("path", REGIONAL_FILES, ids=lambda p: p.stem)
def test_a_regional_file_only_overrides_what_its_language_has(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    base = json.loads((path.parent / f"{path.stem.split('-')[0]}.json").read_text("utf-8"))
    parent = data.get("inherits")
    assert parent is None or (path.parent / f"{parent}.json").is_file()
    assert set(data) - {"_comment", "inherits"} <= set(base)
    assert set(data.get("prompts", {})) <= set(base["prompts"])


def test_a_regional_file_overrides_only_what_it_defines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = (content_module.LOCALES_DIR / "en.json").read_text()
    (tmp_path / "en.json").write_text(base)
    (tmp_path / "en-GB.json").write_text(json.dumps({"prompts": {"goodbye": "Cheerio!"}}))
    monkeypatch.setattr(content_module, "LOCALES_DIR", tmp_path)
    content_for.cache_clear()
    content_module._build.cache_clear()
    try:
        british = content_for("en-GB")
        assert british.prompt("goodbye") == "Cheerio!"
        assert british.prompt("welcome") == content_for("en-US").prompt("welcome")
        assert british.language == "en-GB"
    finally:
        content_for.cache_clear()
        content_module._build.cache_clear()


def test_spoken_lists_read_naturally() -> None:
    assert TEXT.spoken_list(["a"]) == "a"
    assert TEXT.spoken_list(["a", "b"]) == "a and b"
    assert TEXT.spoken_list(["a", "b", "c"]) == "a, b, and c"


ARTICLE = REPO_ROOT.parent / "shared" / "source" / "massage-back-pain-article.txt"
COPIED_RUN = 6
"""Words in a row shared with the article that would make a sentence a copy, not a paraphrase."""


def word_runs(text: str, length: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z]+", text.lower().replace("\u2019", "'"))
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}


@pytest.mark.skipif(not ARTICLE.is_file(), reason="the source article is not beside this clone")
def test_every_english_sentence_is_a_paraphrase_not_a_copy() -> None:
    article = word_runs(ARTICLE.read_text(encoding="utf-8"), COPIED_RUN)
    copied = {
        text: sorted(" ".join(run) for run in word_runs(text, COPIED_RUN) & article)
        for path in LOCALE_FILES
        if path.stem.split("-")[0] == "en"
        for text in spoken_strings(json.loads(path.read_text(encoding="utf-8")))
    }
    assert {text: runs for text, runs in copied.items() if runs} == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_a_request_loads_only_its_own_language(locale: str) -> None:
    """No slower for anyone: a German request never reads the English file, and vice versa."""
    chain = content_module._language_chain(locale)
    assert {name.split("-")[0] for name in chain} == {locale.split("-", maxsplit=1)[0]}, chain
    assert content_for(locale).language == chain[0]
