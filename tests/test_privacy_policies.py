"""The privacy policy in Spanish and German says what the English one says.

Same sections, the same stored fields, phrases a listener can really say in that
language, and the publisher's contact left as a placeholder to fill.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skill_tools.paths import REPO_ROOT
from tests.locales import language_model

DOCS = REPO_ROOT / "docs"
ENGLISH = DOCS / "privacy-policy.md"
#: Each translation, the locale whose model it quotes, and how it quotes speech.
TRANSLATIONS = {
    "es": (DOCS / "privacy-policy.es.md", "es-ES", r"«([^»]+)»"),
    "de": (DOCS / "privacy-policy.de.md", "de-DE", r"„([^“]+)“"),
}
PLACEHOLDERS = {
    "en": "PUBLISHER NAME, POSTAL ADDRESS, EMAIL ADDRESS",
    "es": "NOMBRE DE QUIEN PUBLICA, DIRECCIÓN POSTAL, CORREO\nELECTRÓNICO",
    "de": "NAME DES ANBIETERS, POSTANSCHRIFT,\nE-MAIL-ADRESSE",
}


def sections(path: Path) -> list[str]:
    return re.findall(r"^## (.+)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)


def stored_fields(path: Path) -> list[str]:
    rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    return [m for row in rows[2:] for m in re.findall(r"`([^`]+)`", row.split("|")[2])]


def forget_samples(locale: str) -> set[str]:
    intents = language_model(locale)["intents"]
    return {s for i in intents if i["name"] == "ForgetMeIntent" for s in i.get("samples", [])}


@pytest.mark.parametrize("language", sorted(TRANSLATIONS))
def test_same_sections_and_stored_fields_as_english(language: str) -> None:
    path, _, _ = TRANSLATIONS[language]
    assert len(sections(path)) == len(sections(ENGLISH))
    assert stored_fields(path) == stored_fields(ENGLISH)
    text = path.read_text(encoding="utf-8")
    for number in ("180", "35", "30", "13"):
        assert number in text, number


@pytest.mark.parametrize("language", sorted(TRANSLATIONS))
def test_quoted_forget_phrases_are_what_the_skill_understands(language: str) -> None:
    path, locale, quote = TRANSLATIONS[language]
    position = sections(ENGLISH).index("How to delete it")
    heading = sections(path)[position]
    deleting = path.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ")[0]
    said = [q.split(": ")[-1].split(", ")[-1].lower() for q in re.findall(quote, deleting)]
    assert said, "the section quotes what to say"
    samples = forget_samples(locale)
    assert {s for s in said if not s.startswith("alexa")} <= samples, said


@pytest.mark.parametrize("language", ["en", *sorted(TRANSLATIONS)])
def test_publisher_contact_is_a_placeholder_to_fill(language: str) -> None:
    path = ENGLISH if language == "en" else TRANSLATIONS[language][0]
    text = path.read_text(encoding="utf-8")
    assert PLACEHOLDERS[language] in text
    assert "@" not in text, "no made-up address"


def test_each_policy_names_where_a_european_listener_s_record_stays() -> None:
    assert "Europe (Ireland)" in ENGLISH.read_text(encoding="utf-8")
    assert "Europa (Irlanda)" in TRANSLATIONS["es"][0].read_text(encoding="utf-8")
    assert "Europa (Irland)" in TRANSLATIONS["de"][0].read_text(encoding="utf-8")
