"""`wording`: a text must say something, in any of several languages.

Phrases are matched as whole words, ignoring case, accents, hyphens and repeated spaces
(so "Gebyrfritt", "gebyrfri" and "GEBYRFRITT!" all match `gebyrfri*`). A trailing `*`
matches any word ending. Problem codes: `missing`, `empty`, `silent` (says none of it).

    functionOptions:
      phrases:
        nb: ["gebyrfri*", "uten gebyr*"]
        en: ["fee-free", "no fee*"]
"""

from __future__ import annotations

import re
import unicodedata

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
        }
    },
}


def normalize(text: str) -> str:
    """Lower-case, accents removed (ø and æ kept apart by NFKD? no: mapped to o/ae), words single-spaced."""
    text = text.casefold().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    return " ".join(re.split(r"[\s\-‐‑–—_]+", text)).strip()


def _phrase_regex(phrase: str) -> str:
    words = normalize(phrase).split(" ")
    parts = [re.escape(word[:-1]) + r"\w*" if word.endswith("*") else re.escape(word) for word in words]
    return r"\b" + r"\s".join(parts) + r"\b"


def compile(options):
    phrases = [phrase for language in options["phrases"].values() for phrase in language]
    regex = re.compile("|".join(_phrase_regex(phrase) for phrase in phrases))

    def check(value, context):
        if value is UNDEFINED or value is None:
            yield Violation("missing", "is missing")
        elif not isinstance(value, str):
            return
        elif not value.strip():
            yield Violation("empty", "is empty")
        elif not regex.search(normalize(value)):
            yield Violation("silent", "does not say that paying is fee-free")

    return check
