"""The cache of parsed shipped data (vipps_lint.data_cache): what comes from it is what
parsing gives, and a cache that is damaged, stale or cannot be written changes nothing."""

from __future__ import annotations

import shutil
import sys

import pytest

from vipps_lint import data_cache
from vipps_lint.checks import rules as rules_module
from vipps_lint.checks.lifecycle import statuses
from vipps_lint.checks.rules import load_rules


def _summary(rules) -> list:
    """Everything of each loaded rule that comes from its file."""
    return [
        (
            rule.id,
            rule.title,
            rule.severity,
            rule.why,
            rule.docs,
            rule.examples,
            rule.file,
            rule.line,
            rule.since,
            rule.how_to_fix,
            rule.part,
            rule.builtin,
            rule.scope,
            [expression for expression, _ in rule.given],
            [(then.field, then.function) for then in rule.then],
            {code: template.text for code, template in rule.message.by_code.items()},
            {code: template.text for code, template in rule.hint.by_code.items()},
            rule.autofix,
        )
        for rule in rules.values()
    ]


def _load_without_yaml(monkeypatch):
    """Rules loaded while importing yaml fails: they can only have come from the cache."""
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "yaml", None)
        rules, errors = load_rules()
    assert errors == []
    return _summary(rules)


@pytest.fixture
def uncached(monkeypatch):
    with monkeypatch.context() as patch:
        patch.setenv("VIPPS_LINT_CACHE_DIR", "")
        rules, errors = load_rules()
    assert errors == []
    return _summary(rules)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VIPPS_LINT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_rules_from_the_cache_are_the_rules_parsed_anew(cache, monkeypatch, uncached):
    assert _summary(load_rules()[0]) == uncached  # the first run parses and writes the cache
    assert (cache / "rules.marshal").is_file()
    assert _load_without_yaml(monkeypatch) == uncached


def test_the_lifecycle_from_the_cache_is_the_lifecycle_parsed_anew(cache, monkeypatch):
    monkeypatch.setenv("VIPPS_LINT_CACHE_DIR", "")
    statuses.cache_clear()
    parsed = statuses()
    monkeypatch.setenv("VIPPS_LINT_CACHE_DIR", str(cache))
    statuses.cache_clear()
    assert statuses() == parsed
    statuses.cache_clear()
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "yaml", None)
        assert statuses() == parsed
    statuses.cache_clear()


def _truncate(content: bytes) -> bytes:
    return content[: len(content) // 2]


def _flip_last_byte(content: bytes) -> bytes:
    return content[:-1] + bytes([content[-1] ^ 1])


def _alter_a_text(content: bytes) -> bytes:
    """Bytes changed where marshal still reads them: a different string of the same length."""
    assert b"https://" in content
    return content.replace(b"https://", b"httpx://", 1)


def _flip_key_byte(content: bytes) -> bytes:
    at = len(data_cache._MAGIC) + 3
    return content[:at] + bytes([content[at] ^ 1]) + content[at + 1 :]


def _other_texts(content: bytes) -> bytes:
    """A well-formed cache file, for other texts."""
    payload = content[len(data_cache._MAGIC) + 2 * data_cache._DIGEST :]
    import hashlib

    digest = hashlib.blake2b(payload, digest_size=data_cache._DIGEST).digest()
    return data_cache._MAGIC + b"\0" * data_cache._DIGEST + digest + payload


@pytest.mark.parametrize(
    "damage",
    [
        _truncate,
        _flip_last_byte,
        _alter_a_text,
        _flip_key_byte,
        _other_texts,
        lambda content: b"",
        lambda content: b"\xff" * 5000,
        lambda content: content[:100] + b"\0" * (len(content) - 100),
    ],
    ids=["truncated", "payload-flipped", "text-altered", "key-flipped", "other-texts", "empty", "garbage", "zeroed"],
)
def test_a_damaged_cache_file_is_a_miss_and_written_anew(cache, monkeypatch, uncached, damage):
    load_rules()
    path = cache / "rules.marshal"
    path.write_bytes(damage(path.read_bytes()))
    assert _summary(load_rules()[0]) == uncached
    assert _load_without_yaml(monkeypatch) == uncached  # written anew


def test_a_cache_that_cannot_be_written_changes_nothing(tmp_path, monkeypatch, uncached):
    (tmp_path / "a-file").write_text("not a directory")
    monkeypatch.setenv("VIPPS_LINT_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    assert _summary(load_rules()[0]) == uncached
    assert _summary(load_rules()[0]) == uncached


def test_an_edited_rule_file_is_never_read_from_the_cache(tmp_path, cache, monkeypatch):
    rules_copy = tmp_path / "rules"
    shutil.copytree(rules_module.rules_dir(), rules_copy)
    monkeypatch.setattr(rules_module, "rules_dir", lambda: rules_copy)
    before = load_rules()[0]
    ecom = rules_copy / "ecom.yaml"
    text = ecom.read_text(encoding="utf-8")
    rule = next(rule for rule in before.values() if rule.file == str(ecom))
    # An edit of the same length, in the same second: only the text tells it apart.
    edited_title = rule.title[:-1] + ("X" if rule.title[-1] != "X" else "Y")
    ecom.write_text(text.replace(f"title: {rule.title}\n", f"title: {edited_title}\n", 1), encoding="utf-8")
    after = load_rules()[0]
    assert after[rule.id].title == edited_title
    assert _summary(after) != _summary(before)


def test_a_rule_file_that_fails_to_parse_is_reported_with_or_without_the_cache(tmp_path, cache, monkeypatch):
    rules_copy = tmp_path / "rules"
    shutil.copytree(rules_module.rules_dir(), rules_copy)
    (rules_copy / "zz-broken.yaml").write_text("rules:\n  - id: [unclosed\n", encoding="utf-8")
    monkeypatch.setattr(rules_module, "rules_dir", lambda: rules_copy)
    first = load_rules()[1]
    second = load_rules()[1]  # from the cache: the file's entry says "the positioned loader reads it"
    assert first == second and len(first) == 1 and first[0].line is not None


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_where_the_cache_file_goes_is_a_miss_not_a_hang(cache, uncached):
    import os

    cache.mkdir()
    os.mkfifo(cache / "rules.marshal")  # opening it to read would wait for a writer forever
    assert _summary(load_rules()[0]) == uncached
