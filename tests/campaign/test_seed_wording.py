"""The fixtures carry the seed documents' facts, never their sentences.

Every string value in `seeds/*.json` and every Chinese string literal of the demo modules is
compared with the five source documents: no text may share a run of `RUN` (12) or more
characters with any document. Both sides are normalised the same way first:

- Unicode NFKC, so full-width and half-width forms compare equal ("，" = ",", "（" = "(",
  "２" = "2"): documents 001 and 003 use ASCII punctuation, the fixtures full-width;
- curly and corner quotes fold to straight ones (“ ” 「 」 → ", ‘ ’ → ');
- all whitespace is removed (the documents are laid out in columns, broken mid-sentence).

Other punctuation is kept, so a list of names separated as the document separates them
counts as a run. Titles and proper names in `ALLOWED` may be quoted whole; each is a name,
never a sentence, and must occur in a document and in a fixture.
"""

import ast
import json
import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

RUN = 12

# Names and titles a fixture may quote whole (each is one name: no sentence punctuation). Short
# titles are listed too where a fixture names them side by side, as 004 does.
ALLOWED = (
    "《太原市创建全国文明城市规划2018—2020年》",
    "《全国文明城市测评体系》",
    "《太原市创建全国文明城市实地指导手册》",
    "《太原市文明行为促进条例》",
    "《深入开展文明城市创建的实施意见》",
    "《创建责任分工明细表》",
    "《创建工作任务清单》",
    "《创建文明城市工作领导小组办公室内设机构及职责分工》",
    # Linfen's campaign office, as 004 names it.
    "创建文明城市工作领导小组办公室",
    # Two of the eight environments (category names of the Taiyuan standard).
    "促进青少年健康成长的社会文化环境",
    "有利于可持续发展的生态环境",
)

DEMO_MODULES = ("campaign/demo.py", "inspections/demo.py", "inspections/demo_scores.py")

_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "‘": "'", "’": "'"})
_CJK = re.compile("[\u4e00-\u9fff]")
_CUT = "\x00"  # stands where an allowed name was; no document contains it


def normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).split())


def documents_dir() -> Path:
    """`shared/seeds` beside the repository (or beside one of its parent folders)."""
    for folder in settings.BASE_DIR.parents:
        candidate = folder / "shared" / "seeds"
        if any(candidate.glob("*.txt")):
            return candidate
    raise AssertionError(
        f"The seed documents were not found: expected shared/seeds/*.txt beside {settings.BASE_DIR} "
        "(../shared/seeds) or beside one of its parent folders. The wording test needs them."
    )


@cache
def documents() -> dict[str, str]:
    return {path.name[:3]: normalise(path.read_text(encoding="utf-8"))
            for path in sorted(documents_dir().glob("*.txt"))}


@cache
def document_runs() -> dict[str, str]:
    """Every RUN-character substring of the documents → the first document holding it."""
    runs: dict[str, str] = {}
    for tag, text in documents().items():
        for start in range(len(text) - RUN + 1):
            runs.setdefault(text[start:start + RUN], tag)
    return runs


def _strings(value, where: str):
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        label = f"{where}<{value['key']}>" if isinstance(value.get("key"), str) else where
        for name, item in value.items():
            yield from _strings(item, f"{label}.{name}")


def fixture_texts() -> list[tuple[str, str]]:
    texts = []
    for path in sorted(settings.SEEDS_DIR.glob("*.json")):
        texts.extend(_strings(json.loads(path.read_text(encoding="utf-8")), path.name))
    for module in DEMO_MODULES:
        tree = ast.parse((settings.BASE_DIR / module).read_text(encoding="utf-8"))
        texts.extend(
            (f"{module}:{node.lineno}", node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _CJK.search(node.value)
        )
    return texts


def shared_runs(text: str) -> list[tuple[str, str]]:
    """The maximal runs of RUN or more characters `text` shares with a document, outside
    the allowed names, each with the tag of a document holding its first RUN characters."""
    text = normalise(text)
    for name in ALLOWED:
        text = text.replace(normalise(name), _CUT)
    runs = document_runs()
    found, start = [], 0
    while start <= len(text) - RUN:
        tag = runs.get(text[start:start + RUN])
        if tag is None:
            start += 1
            continue
        end = start + RUN
        while end < len(text) and text[end - RUN + 1:end + 1] in runs:
            end += 1
        found.append((text[start:end], tag))
        start = end
    return found


def test_seed_documents_are_found():
    assert sorted(documents()) == ["000", "001", "002", "003", "004"]


def test_no_fixture_text_copies_a_seed_document():
    copied = [f"{where}: {run} ({tag})" for where, text in fixture_texts()
              for run, tag in shared_runs(text)]
    assert copied == [], (
        f"{len(copied)} runs of {RUN}+ characters copied from the seed documents; say it in "
        "the project's own words (or allow-list a proper name or title):\n" + "\n".join(copied)
    )


def test_allowed_entries_are_names_found_in_a_document_and_used():
    texts = "".join(normalise(text) for _, text in fixture_texts())
    corpus = "".join(documents().values())
    for name in ALLOWED:
        assert not set(name) & set("，。；：,.;:！？!?"), f"not a name: {name}"
        assert normalise(name) in corpus, f"not in any document: {name}"
        assert normalise(name) in texts, f"no longer quoted by a fixture: {name}"


def test_a_copied_sentence_is_caught_whatever_its_spacing_and_punctuation_width():
    copied = "001：下设7个分指挥部，分别由副市长和省委、省政府副秘书长担任。"
    assert shared_runs(copied) == [("下设7个分指挥部,分别由副市长和省委、省政府副秘书长担任。", "001")]
    assert shared_runs("背街小巷 975 条、老旧小区 2835 个") == [("背街小巷975条、老旧小区2835个", "000")]
    assert shared_runs("975条背街小巷、2835个老旧小区") == []
    assert shared_runs("对照《全国文明城市测评体系》") == []


def test_missing_seed_documents_fail_with_a_clear_message(settings, tmp_path):
    settings.BASE_DIR = tmp_path / "clone"
    with pytest.raises(AssertionError, match=r"seed documents were not found: expected shared/seeds/\*\.txt"):
        documents_dir()
