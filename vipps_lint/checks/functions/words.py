"""`words`: a space-separated list of words (an OAuth-style `scope`) from a known set.

Problem codes: `unknown` (a word not in `allowed`; `{{detail}}` says "did you mean …" when
one is close), `missing` (a word of `required` is not there), `extra` (with `exact: true`,
a word beyond `required`). The "did you mean" is in `{{error}}` too. The fix is the value
with the unknown words corrected, when every one of them has a close match.

    functionOptions:
      allowed: [address, birthDate, email, name, phoneNumber]
      required: [name, address, email, phoneNumber]
      exact: true      # nothing beyond `required`
"""

from __future__ import annotations

from vipps_lint.checks.functions import Violation

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "allowed": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        "required": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        "exact": {"type": "boolean"},
    },
}


def closest(word: str, choices, cutoff: float = 0.75):
    """The known word a typo was meant to be, or None (case-insensitive, difflib ratio)."""
    by_folded = {choice.casefold(): choice for choice in choices}
    import difflib  # only for a did-you-mean

    match = difflib.get_close_matches(word.casefold(), list(by_folded), n=1, cutoff=cutoff)
    return by_folded[match[0]] if match else None


def compile(options):
    required = list(options.get("required", ()))
    allowed = list(options.get("allowed", required))
    exact = options.get("exact", False)

    def check(value, context):
        if not isinstance(value, str):
            return
        words = value.split()[:64]
        unknown = [word for word in words if word not in allowed]
        if unknown:
            guesses = {word: closest(word, allowed) for word in unknown}
            shown = ", ".join(f"{word!r}" for word in unknown)
            found = [(word, guess) for word, guess in guesses.items() if guess]
            if len(found) == 1 and len(unknown) == 1:
                meant = f"did you mean {found[0][1]!r}?"
            else:
                meant = "; ".join(f"did you mean {guess!r} for {word!r}?" for word, guess in found)
            violation = Violation(
                "unknown",
                f"has {shown}, which {'is' if len(unknown) == 1 else 'are'} not "
                f"{'a known word' if len(unknown) == 1 else 'known words'} ({', '.join(allowed)})"
                + (f" — {meant}" if meant else ""),
                detail=meant,
            )
            if all(guesses.values()):
                violation.fix = " ".join(guesses.get(word) or word for word in words)
            yield violation
            return
        missing = [word for word in required if word not in words]
        if missing:
            yield Violation(
                "missing", f"lacks {', '.join(missing)}", " ".join(words + missing), detail=" ".join(required)
            )
        elif exact:
            extra = [word for word in words if word not in required]
            if extra:
                yield Violation(
                    "extra",
                    f"has {', '.join(extra)} beyond {' '.join(required)}",
                    " ".join(required),
                    detail=" ".join(required),
                )

    return check
