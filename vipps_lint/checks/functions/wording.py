"""`wording`: a text must say something, in any of several languages.

Phrases are matched as whole words, ignoring case, accents, hyphens and repeated spaces
(so "Gebyrfritt", "gebyrfri" and "GEBYRFRITT!" all match `gebyrfri*`). A trailing `*`
matches any word ending. Problem codes: `missing`, `empty`, `silent` (says none of it),
`negated` (says it only negated, with `negations`).

    functionOptions:
      phrases:
        nb: ["gebyrfri*", "uten gebyr*"]
        en: ["fee-free", "no fee*"]
      negations:            # optional: a phrase right after one of these words does not count
        nb: ["ikke", "aldri"]
        en: ["not", "isn't", "never"]

With `negations`, a phrase counts only when none of the `negationWindow` (default 3) words
before it, in the same clause, is a negation: "Vipps er ikke (alltid) gebyrfritt" and
"Vipps is not fee-free" say the opposite. A language's negations apply where one of its own
phrases matches (so the Finnish "ei" does not negate the Norwegian "ei gebyrfri løsning",
while the Danish "ej" negates "gebyrfri", a Norwegian and Danish phrase). A clause ends at punctuation (`.,;:!?()` and
quotes) and at the words `but`, `men`, `mutta`, `that`, `at`, `att`, `etta` ("Don't forget
that Vipps is fee-free" says it). Negation words are single words, matched like phrases
(`*` allowed).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from vipps_lint.checks.functions import UNDEFINED, Violation

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["phrases"],
    "properties": {
        "phrases": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        },
        "negations": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^\\S+$"}},
        },
        "negationWindow": {"type": "integer", "minimum": 1, "maximum": 10},
    },
}

# Where a clause ends: what comes after says something of its own.
_CLAUSE_END = re.compile(r"[.,;:!?()\[\]\"«»“”]|\b(?:but|men|mutta|that|at|att|etta)\b")
_WORD = re.compile(r"\w+(?:'\w+)?")


def normalize(text: str) -> str:
    """Lower-case, accents removed (ø and æ kept apart by NFKD? no: mapped to o/ae), words single-spaced."""
    text = text.casefold().replace("ø", "o").replace("æ", "ae").replace("å", "a").replace("’", "'")
    text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    return " ".join(re.split(r"[\s\-‐‑–—_]+", text)).strip()


def _phrase_regex(phrase: str) -> str:
    words = normalize(phrase).split(" ")
    parts = [re.escape(word[:-1]) + r"\w*" if word.endswith("*") else re.escape(word) for word in words]
    return r"\b" + r"\s".join(parts) + r"\b"


def _word_regex(word: str) -> str:
    word = normalize(word)
    return re.escape(word[:-1]) + r"[\w']*" if word.endswith("*") else re.escape(word)


_VERDICTS_LIMIT = 1024
_REMEMBERED_LENGTH = 1024


def _remember(verdicts: dict, value: str, verdict):
    if len(value) > _REMEMBERED_LENGTH:  # bounded memory whatever the input: long texts are judged each time
        return verdict
    if len(verdicts) >= _VERDICTS_LIMIT:
        verdicts.clear()
    verdicts[value] = verdict
    return verdict


def compile(options):
    phrases = [phrase for language in options["phrases"].values() for phrase in language]
    negations = options.get("negations") or {}
    window = options.get("negationWindow", 3)
    # The regexes are compiled when a value is first checked: every run loads the rules, few
    # requests have a text to check (every phrase and word is escaped: they always compile).
    compiled: list = []

    def regexes():
        if not compiled:
            # All phrases; and per language: its phrases, and the words that negate them
            # (None: not negation-aware).
            compiled.append(re.compile("|".join(_phrase_regex(phrase) for phrase in phrases)))
            compiled.append(
                [
                    (
                        re.compile("|".join(_phrase_regex(phrase) for phrase in language_phrases)),
                        re.compile("|".join(_word_regex(word) for word in negations[language]))
                        if negations.get(language)
                        else None,
                    )
                    for language, language_phrases in options["phrases"].items()
                ]
            )
        return compiled

    def negated_by(text: str, start: int, negation) -> Optional[int]:
        """Where a negation among the few words before `start`, in its clause, begins (or None)."""
        clause_start = 0
        for end in _CLAUSE_END.finditer(text, 0, start):
            clause_start = end.end()
        for word in list(_WORD.finditer(text, clause_start, start))[-window:]:
            if negation.fullmatch(word.group(0)):
                return word.start()
        return None

    def says_it(text: str) -> tuple[bool, Optional[str]]:
        """(a phrase said and not negated, the first negated phrase with its negation).

        A phrase is negated when a negation of any language with a phrase that matches there
        comes before it: "ej gebyrfri" is Danish even though Norwegian has "gebyrfri*" too.
        """
        found: dict[int, Optional[str]] = {}  # phrase start → the negated text, None if not negated
        for language_regex, negation in regexes()[1]:
            for match in language_regex.finditer(text):
                negation_start = negated_by(text, match.start(), negation) if negation is not None else None
                if negation_start is not None:
                    found[match.start()] = found.get(match.start()) or text[negation_start : match.end()]
                else:
                    found.setdefault(match.start(), None)
        negated = [span for span in found.values() if span is not None]
        return len(negated) < len(found), (negated[0] if negated else None)

    def judge(value: str) -> tuple[bool, Optional[str]]:
        text = normalize(value)
        if not negations:
            return bool(regexes()[0].search(text)), None
        return says_it(text)

    # Value → its verdict: a shop sends the same few descriptions in every request, and
    # normalizing one costs more than the rest of its request's rules together.
    verdicts: dict[str, tuple[bool, Optional[str]]] = {}

    def check(value, context):
        if value is UNDEFINED or value is None:
            yield Violation("missing", "is missing")
            return
        if not isinstance(value, str):
            return
        if not value.strip():
            yield Violation("empty", "is empty")
            return
        verdict = verdicts.get(value)
        if verdict is None:
            verdict = _remember(verdicts, value, judge(value))
        said, negated = verdict
        if said:
            return
        if negated is not None:
            yield Violation("negated", "says that paying is not fee-free", detail=f'negated: "{negated}"')
        else:
            yield Violation("silent", "does not say that paying is fee-free")

    return check
