"""The skill's settings: read once, in the same words and by the same rules as the web service's."""

from __future__ import annotations

import pytest

from massage_guide import persistence
from massage_guide.config import NO_WORDS, YES_WORDS, SkillConfig, setting, yes_no
from webservice.settings import ConfigError, Settings


@pytest.mark.parametrize("word", sorted(YES_WORDS | NO_WORDS))
def test_the_skill_and_the_web_service_read_yes_and_no_alike(word: str) -> None:
    spaced = {"X": f"  {word.upper()} "}
    assert yes_no(spaced, "X") is (word in YES_WORDS)
    env = {"VERIFY_SIGNATURE": f" {word} ", "MEMORY": "off", "SKILL_ID": "amzn1.ask.skill.ours"}
    assert Settings.from_env(env).verify_signature is (word in YES_WORDS)


@pytest.mark.parametrize("odd", ["maybe", "2", "sí"])
def test_a_word_that_is_neither_is_refused_by_the_service_and_ignored_by_the_skill(
    odd: str,
) -> None:
    with pytest.raises(ValueError, match="not a yes/no value"):
        yes_no({"MEMORY": odd}, "MEMORY")
    with pytest.raises(ConfigError, match="not a yes/no value"):
        Settings.from_env({"VERIFY_SIGNATURE": odd})
    config = SkillConfig.from_env({"MEMORY": odd, "DYNAMODB_CREATE_TABLE": odd})
    assert not config.memory_off and not config.dynamodb_create_table


def test_values_are_read_without_their_surrounding_spaces() -> None:
    env = {
        "SKILL_ID": " amzn1.ask.skill.ours\n",
        "DYNAMODB_TABLE": " listeners ",
        "LOG_LEVEL": " debug ",
        "MEMORY": " Off ",
    }
    config = SkillConfig.from_env(env)
    assert (config.skill_id, config.dynamodb_table, config.log_level) == (
        "amzn1.ask.skill.ours",
        "listeners",
        "DEBUG",
    )
    assert config.memory_off and config.memory_raw == "Off"
    assert Settings.from_env({"SKILL_ID": env["SKILL_ID"], "MEMORY": "off"}).skill_id == (
        config.skill_id
    )
    assert setting({}, "ANYTHING") == ""
    assert SkillConfig.from_env({"SKILL_ID": "   "}).skill_id is None


def test_the_hash_key_is_kept_exactly_as_given() -> None:
    config = SkillConfig.from_env({"USER_ID_HASH_KEY": " key with spaces "})
    assert config.hash_key == " key with spaces "


def test_memory_off_in_any_no_word_means_no_store() -> None:
    for word in NO_WORDS:
        assert persistence.adapter_from_config(SkillConfig.from_env({"MEMORY": word})) is None


def test_the_process_skill_reads_its_settings_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from massage_guide import skill_builder

    monkeypatch.setattr(skill_builder, "_skill", None)
    monkeypatch.setenv("SKILL_ID", " amzn1.ask.skill.ours ")
    reads: list[object] = []
    real = SkillConfig.from_env.__func__  # type: ignore[attr-defined]

    def counted(cls: type[SkillConfig], environ: object = None) -> SkillConfig:
        reads.append(environ)
        config: SkillConfig = real(cls, environ)
        return config

    monkeypatch.setattr(SkillConfig, "from_env", classmethod(counted))
    try:
        skill = skill_builder.get_skill()
        assert skill.skill_id == "amzn1.ask.skill.ours"
        monkeypatch.setenv("SKILL_ID", "amzn1.ask.skill.other")
        assert skill_builder.get_skill() is skill and skill.skill_id == "amzn1.ask.skill.ours"
        assert reads == [None]
    finally:
        monkeypatch.setattr(skill_builder, "_skill", None)
