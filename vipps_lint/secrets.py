"""Secrets in dumps: find them, and never print them in full.

A dump of real traffic holds credentials: the bearer token (`Authorization`), the
`Ocp-Apim-Subscription-Key`, `client_id`/`client_secret` (the access-token call and
Checkout send them as headers), the `access_token` the access-token call returns, webhook
secrets (`secret` in the webhook registration response), secret query parameters
(`client_secret=`, `access_token=`, `api_key=`…), and passwords: of `Authorization: Basic`
(base64 `id:password`, or REST Client's plain `id:password` / `id password`), which is
how curl's `-u id:password` reaches a request, and of a URL's `https://id:password@host`.

Two layers, so nothing slips through:

1. `collect_secrets(request)` lists the secret values of each request as it is read; the
   report masks every occurrence of them wherever it shows up (a message, a URL, a code
   frame that shows the raw line of a HAR or curl file).
2. Patterns catch what was never read as a header: JWT-like tokens (`eyJ…`), `Bearer …`,
   `Basic …`, secret query parameters, `Name: value` / `"Name": "value"` pairs of the
   secret headers, curl's `-u`/`--user id:password` and `--oauth2-bearer token`, and the
   password of `scheme://id:password@host` (these two at any length: their place says
   they are passwords).

`mask("eyJhbGciOi…")` keeps a short prefix, so a reader can still tell two tokens apart:
`eyJh…`. `vipps-lint redact` writes `eyJh…REDACTED` instead, which stays valid in JSON,
HAR, curl and .http files.
"""

from __future__ import annotations

import base64
import bisect
import re
from typing import Iterable, Optional
from urllib.parse import parse_qsl, unquote

from vipps_lint.escape import escape_controls_in_lines, escape_surrogates
from vipps_lint.lazy_re import lazy_compile
from vipps_lint.urls import split_url

SECRET_HEADERS = (
    "authorization",
    "ocp-apim-subscription-key",
    "client_id",
    "client_secret",
    "x-vipps-webhook-secret",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "apikey",
    "x-auth-token",
    "x-access-token",
)
# Cookie and Set-Cookie: each cookie's value is a secret (a session is as good as a password).
COOKIE_HEADERS = ("cookie", "set-cookie")
SECRET_BODY_KEYS = (
    "access_token",
    "client_secret",
    "secret",
    "refresh_token",
    "id_token",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "private_key",
    "subscription_key",
)
SECRET_QUERY_PARAMETERS = (
    "client_secret",
    "access_token",
    "api_key",
    "apikey",
    "subscription-key",
    "subscription_key",
    "token",
    "id_token",
    "refresh_token",
    "password",
    "secret",
    "code",
)

_SECRET_BODY_KEY_SET = frozenset(SECRET_BODY_KEYS)

PREFIX = 4
MIN_SECRET_LENGTH = 8  # shorter values are test data; masking them would mangle ordinary text
REDACTED = "…REDACTED"

# A word of prose (lowercase letters only): no token after "Bearer"/"Basic" looks so.
_WORD = lazy_compile(r"^[a-z]+$")
# A placeholder is recognised by its whole shape, never by a substring: 3.5% of real JWTs
# contain "xxx", and a token that happens to contain "example" is still a token.
_PLACEHOLDER = lazy_compile(
    r"^(?:\{\{.*\}\}|<[^<>]*>|\[[^\[\]]*\]|\$\{.*\}|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%"
    r"|[xX*•#._-]+"  # xxxxxxxx, ********, xxxx-xxxx-xxxx
    r"|(.)\1+"  # one character repeated
    # words only (no digits in a word before the placeholder word): your-client-secret-here,
    # YOUR_API_KEY, example-token, changeme, dummy_password
    r"|(?:[A-Za-z]+[-_ .])*(?:your|example|sample|dummy|changeme|placeholder|redacted|insert|enter|replace)"
    r"(?:[-_ .][A-Za-z0-9]+)*"
    r"|(?:[A-Za-z]+[-_ .])*(?:here|goes[-_ ]here|redacted|placeholder)"
    r")$"
    r"|…",  # masked already (vipps-lint's own mask, which no token alphabet holds)
    re.IGNORECASE,
)
# Header names like X-Api-Key, X-Auth-Token, X-Client-Secret, Api-Token: secrets by their name.
_SECRET_HEADER_NAME = lazy_compile(
    r"(?i)^(?:x-)?(?:[a-z0-9]+-)*(?:api-?key|auth-token|access-token|client-secret|secret|token|password)$"
)
_SCHEME = lazy_compile(r"^(bearer|basic)\s+(\S+)$", re.IGNORECASE)
_HEADER_NAMES = (
    "|".join(re.escape(name) for name in SECRET_HEADERS + COOKIE_HEADERS) + r"|x-[a-z0-9-]*(?:key|token|secret)"
)
_BODY_KEYS = "|".join(re.escape(name) for name in SECRET_BODY_KEYS)
_QUERY_NAMES = "|".join(re.escape(name) for name in SECRET_QUERY_PARAMETERS)
# (?a): case-insensitive for ASCII only, so that a match always holds one of _PATTERN_WORDS
# (Unicode case folding would let 'ſecret' match 'secret' past the word prefilter).
_PATTERNS = (
    # curl -u id:password, -su 'id:password', --user id:password, --proxy-user id:password
    # (The '-' comes before the look-behind, which checks the character before it: a pattern
    # that starts with a literal is searched for at C speed, not tried at every character.)
    lazy_compile(
        r"""(-(?<![\w-]-)(?:[A-Za-z]*[uU]|-(?:proxy-)?user(?=[\s=]))[ \t]*=?[ \t]*['"]?[^\s:'"`]*:)([^\s'"`]+)"""
    ),
    # https://id:password@host
    lazy_compile(r"""(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:'"]*:)([^\s/?#@'"]+)(?=@)"""),
    lazy_compile(r"""((?<![\w-])--oauth2-bearer[ \t]+['"]?)([^\s'"`]+)"""),
    # "Authorization: Bearer eyJ…", "Ocp-Apim-Subscription-Key": "abc…", -H 'client_secret: abc…'
    lazy_compile(
        rf'(?ai)((?:{_HEADER_NAMES})\\?"?\s*[:=]\s*\\?"?\s*(?:(?:bearer|basic)\s+)?)([^\s"\\,;&\'<>{{}}()`]{{{MIN_SECRET_LENGTH},}})'
    ),
    # HAR and Postman header objects: {"name": "client_secret", "value": "…"} ("key" in Postman)
    lazy_compile(
        rf'(?ai)("(?:name|key)"\s*:\s*"(?:{_HEADER_NAMES})"\s*,\s*"value"\s*:\s*"(?:(?:bearer|basic)\s+)?)([^"\\]{{{MIN_SECRET_LENGTH},}})'
    ),
    lazy_compile(rf'(?ai)("(?:{_BODY_KEYS})\\?"\s*:\s*\\?")([^"\\]{{{MIN_SECRET_LENGTH},}})'),
    # Postman's auth settings and form fields: {"key": "password", "value": "…"}
    lazy_compile(
        rf'(?ai)("key"\s*:\s*"(?:{_BODY_KEYS}|token|apikey|value)"\s*,\s*"value"\s*:\s*")([^"\\]{{{MIN_SECRET_LENGTH},}})'
    ),
    # The same in Python's repr, as error messages quote a file's values (a rule file's or a
    # configuration's {'Ocp-Apim-Subscription-Key': '…'}, {'key': 'password', 'value': '…'})
    lazy_compile(
        rf"(?ai)('(?:name|key)':\s*'(?:{_HEADER_NAMES}|{_BODY_KEYS}|token)',\s*'value':\s*'(?:(?:bearer|basic)\s+)?)([^'\\]{{{MIN_SECRET_LENGTH},}})"
    ),
    lazy_compile(
        rf"(?ai)('(?:{_HEADER_NAMES}|{_BODY_KEYS})':\s*'(?:(?:bearer|basic)\s+)?)([^'\\]{{{MIN_SECRET_LENGTH},}})"
    ),
    # A header name, a space and a token (a malformed header line echoed in an error message)
    lazy_compile(rf"(?ai)(\b(?:{_HEADER_NAMES})[ \t]+)((?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{{16,}})"),
    lazy_compile(rf"(?ai)([?&](?:{_QUERY_NAMES})=)([^&#\s\"'\\]{{{MIN_SECRET_LENGTH},}})"),
    lazy_compile(r"(?ai)(\b(?:bearer|basic)\s+)([A-Za-z0-9._~+/=-]{8,})"),
    lazy_compile(r"()(\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.?[A-Za-z0-9_-]*)"),
)
# For each pattern, words (lowercase) of which the text must hold one for it to match at all:
# a substring search is far cheaper than a regex scan of a large report (None: always scan).
_PATTERN_WORDS: tuple[Optional[tuple[str, ...]], ...] = (
    None,
    ("@",),
    ("--oauth2-bearer",),
    SECRET_HEADERS + COOKIE_HEADERS + ("x-",),
    SECRET_HEADERS + COOKIE_HEADERS + ("x-",),
    SECRET_BODY_KEYS,
    ('"key"',),
    ("':",),  # Python's repr of a mapping: rare in reports, so these two scans are rare too
    ("':",),
    SECRET_HEADERS + COOKIE_HEADERS + ("x-",),
    SECRET_QUERY_PARAMETERS,
    ("bearer", "basic"),
    ("eyj",),
)
# The prefilter's words by a shorter word each contains: where "token" is not in a text,
# none of the five words with it in them is looked for (the report's text is long).
_WORD_CORES = ("secret", "token", "key", "pass", "auth", "cookie")


def _word_search_plan() -> tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    words = sorted({word for words in _PATTERN_WORDS if words for word in words})
    by_core: dict = {}
    for word in words:
        by_core.setdefault(next((core for core in _WORD_CORES if core in word and core != word), None), []).append(word)
    alone = tuple(by_core.pop(None, ()))
    return alone, tuple((core, tuple(words)) for core, words in by_core.items())


_WORD_SEARCH = _word_search_plan()


def _words_in(lowered: str) -> set[str]:
    """Which of the prefilter's words `lowered` holds."""
    alone, by_core = _WORD_SEARCH
    found = {word for word in alone if word in lowered}
    for core, words in by_core:
        if core in lowered:
            found.update(word for word in words if word in lowered)
    return found


def _known_secrets_pattern(forms: list[str]) -> re.Pattern:
    """The forms' trie as one regex (RecursionError or re.error where it nests too deep)."""
    trie: dict = {}
    for form in forms:
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}  # a form ends here
    return re.compile(_trie_regex(trie), re.DOTALL)


def _known_secrets_patterns(forms: list[str]) -> list[re.Pattern]:
    """Regexes for all the forms, matching as `form1|form2|…` (longest first) would: the
    leftmost occurrence, the longest form there. Written as a trie: a flat alternation tries
    every form at every character, so a log where each request has its own token cost time
    in the square of its size; the trie tries at most one branch per distinct character.

    Forms that begin one another nest the trie one level each: where `re` cannot compile
    that (hundreds of such forms, which only a crafted dump holds), the forms are split in
    halves, longer ones first, each half its own trie (never one flat alternation, whose size
    grows with the square of such a chain)."""
    try:
        return [_known_secrets_pattern(forms)]
    except (RecursionError, re.error, OverflowError):  # nested past what `re` compiles
        if len(forms) == 1:
            return [re.compile(re.escape(forms[0]), re.DOTALL)]
        half = len(forms) // 2
        return _known_secrets_patterns(forms[:half]) + _known_secrets_patterns(forms[half:])


def _trie_regex(node: dict) -> str:
    parts = []
    while True:  # a chain of single characters is one literal
        ends = "" in node
        branches = [char for char in node if char]
        if ends or len(branches) != 1:
            break
        parts.append(re.escape(branches[0]))
        node = node[branches[0]]
    if branches:
        # Longer forms first: a form that ends here is the match only when none goes on.
        alternatives = [re.escape(char) + _trie_regex(node[char]) for char in sorted(branches)]
        group = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        parts.append(f"(?:{group})?" if ends else group)
    return "".join(parts)


# What render_value leaves of a long value: its start, then "…" (checked against the known
# secrets). Only from the start of a run (the look-behind): linear time on a long token.
_CUT_SHORT = lazy_compile(r"""(?<![^\s"'\\…])([^\s"'\\…]{8,})…""")

# `Bearer <token>` in free text: the one pattern that prose ("after Bearer contains…") meets.
_SCHEME_WORD_PATTERN = next(pattern for pattern in _PATTERNS if pattern.pattern.startswith(r"(?ai)(\b(?:bearer|basic)"))


def is_placeholder(value: str) -> bool:
    """`{{access_token}}`, `<token>`, `xxxxxxxx`, `your-key-here`: not a credential (the whole value)."""
    return bool(_PLACEHOLDER.search(value.strip()))


def is_secret_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_HEADERS or bool(_SECRET_HEADER_NAME.match(lowered))


def _cookie_values(value: str):
    """The value of each cookie in a Cookie or Set-Cookie header (not Set-Cookie's attributes)."""
    for index, part in enumerate(value.split(";")):
        name, separator, cookie = part.partition("=")
        if separator and (index == 0 or name.strip().lower() not in _COOKIE_ATTRIBUTES):
            yield cookie.strip().strip('"')


_COOKIE_ATTRIBUTES = {"path", "domain", "expires", "max-age", "samesite", "priority", "partitioned"}


def encodings(secret: str) -> set[str]:
    """The ways a secret value can be written in a dump or a report: as it is, JSON-escaped
    (`\\u00e9`, or unescaped non-ASCII), with PHP's `\\/`, URL-encoded, and each of those
    escaped once more inside a JSON string (a HAR's postData.text, an NDJSON string body)."""
    import json
    from urllib.parse import quote

    # A lone surrogate (a JSON "\ud800" in a token) has no UTF-8 form: URL-encoded as its bytes.
    url_encoded = quote(secret.encode("utf-8", "surrogatepass"), safe="")
    first = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], url_encoded}
    first |= {form.replace("/", "\\/") for form in first}
    found = set(first)
    for form in first:
        found.add(json.dumps(form)[1:-1])
        found.add(json.dumps(form, ensure_ascii=False)[1:-1])
    return {form for form in found if len(form) >= MIN_SECRET_LENGTH}


def mask(value: str, suffix: str = "…") -> str:
    """`eyJhbGciOiJSUzI1NiJ9.…` → `eyJh…`: enough to tell tokens apart, never the token."""
    return value[:PREFIX] + suffix if len(value) > PREFIX * 2 else suffix


def _secret_part(value: str) -> Optional[str]:
    value = value.strip()
    scheme = _SCHEME.match(value)
    if scheme:
        value = scheme.group(2)
    if len(value) < MIN_SECRET_LENGTH or is_placeholder(value):
        return None
    return value


def _basic_password(value: str) -> Optional[str]:
    """The password in an `Authorization: Basic …` value: base64 of `id:password` (what
    curl -u sends), or the plain `id:password` / `id password` REST Client accepts."""
    scheme, _, credentials = value.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "basic" or not credentials:
        return None
    if " " in credentials:  # REST Client: "Basic id password"
        return _secret_part(credentials.split(None, 1)[1])
    if ":" not in credentials:
        try:
            credentials = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
    _, colon, password = credentials.partition(":")
    return _secret_part(password) if colon else None


def _url_password(url: str) -> Optional[str]:
    """The password of `https://id:password@host/…`."""
    if "@" not in url:
        return None
    try:
        password = split_url(url).password
    except ValueError:
        return None
    return _secret_part(unquote(password)) if password else None


def is_secret_body_key(key: str) -> bool:
    return key in _SECRET_BODY_KEY_SET or (not key.islower() and key.lower() in _SECRET_BODY_KEY_SET)


# How much of what a log repeats is remembered (see `_remembered_header_secrets`).
_REMEMBERED = 4096
_REMEMBERED_NAME = 128  # a header name, a body key
_REMEMBERED_LENGTH = 2048  # a header value (a JWT fits): at most ~10 MB remembered in all

# Every request body is walked, and bodies repeat their keys: each key's verdict is remembered
# (keys up to a few hundred characters; emptied when full).
_SECRET_BODY_KEYS_SEEN: dict[str, bool] = {}


def _body_secrets(body, found: set[str], depth: int = 0) -> None:
    if depth > 3:
        return
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, str):
                secret_key = _SECRET_BODY_KEYS_SEEN.get(key)
                if secret_key is None:
                    secret_key = is_secret_body_key(key)
                    if len(key) <= _REMEMBERED_NAME:
                        if len(_SECRET_BODY_KEYS_SEEN) >= _REMEMBERED:
                            _SECRET_BODY_KEYS_SEEN.clear()
                        _SECRET_BODY_KEYS_SEEN[key] = secret_key
                if secret_key:
                    secret = _secret_part(value)
                    if secret:
                        found.add(secret)
            elif isinstance(value, (dict, list)):
                _body_secrets(value, found, depth + 1)
    elif isinstance(body, list):
        for item in body[:20]:
            _body_secrets(item, found, depth + 1)


def header_secrets(name: str, value: str) -> tuple[str, ...]:
    """The secret values one header carries (none for a header whose name is not a secret's)."""
    lowered = name.lower()
    if lowered in COOKIE_HEADERS:
        return tuple(filter(None, map(_secret_part, _cookie_values(value))))
    if not is_secret_header(name):
        return ()
    found = [_secret_part(value)]
    if lowered == "authorization":
        found.append(_basic_password(value))
    return tuple(secret for secret in found if secret)


# A log sends the same few header names, and often the same token and key, in every request:
# each header's secrets are remembered by its name and value (what `header_secrets` gives for
# them depends on nothing else). Bounded: names and values up to a few KiB, emptied when full.
_NOT_SECRET_NAMES: set[str] = set()
_SECRETS_BY_HEADER: dict[tuple[str, str], tuple[str, ...]] = {}


def _remembered_header_secrets(name: str, value: str) -> tuple[str, ...]:
    if name in _NOT_SECRET_NAMES:
        return ()
    key = (name, value)
    found = _SECRETS_BY_HEADER.get(key)
    if found is None:
        found = header_secrets(name, value)
        if len(name) <= _REMEMBERED_NAME and len(value) <= _REMEMBERED_LENGTH:
            lowered = name.lower()
            if lowered not in COOKIE_HEADERS and not is_secret_header(name):
                if len(_NOT_SECRET_NAMES) >= _REMEMBERED:
                    _NOT_SECRET_NAMES.clear()
                _NOT_SECRET_NAMES.add(name)
            else:
                if len(_SECRETS_BY_HEADER) >= _REMEMBERED:
                    _SECRETS_BY_HEADER.clear()
                _SECRETS_BY_HEADER[key] = found
    return found


def collect_secrets(request) -> set[str]:
    """The secret values one request (and its response) carries."""
    found: set[str] = set()
    for name, value in request.headers:
        secrets = _remembered_header_secrets(name, value)
        if secrets:
            found.update(secrets)
    password = _url_password(request.url) if request.url else None
    if password:
        found.add(password)
    if request.url and "?" in request.url:
        for name, value in parse_qsl(split_url(request.url).query, keep_blank_values=False):
            if name.lower() in SECRET_QUERY_PARAMETERS:
                secret = _secret_part(value)
                if secret:
                    found.add(secret)
    _body_secrets(request.body, found)
    if request.response is not None:
        _body_secrets(request.response.body, found)
    return found


class Masker:
    """Masks known secret values and anything that looks like a credential in text."""

    def __init__(self, secrets: Iterable[str] = (), suffix: str = "…"):
        self.suffix = suffix
        # Every encoding of every secret (see `encodings`), longest first, so a token is masked
        # whole before any shorter secret inside it.
        forms = {form for secret in secrets if len(secret) >= MIN_SECRET_LENGTH for form in encodings(secret)}
        self.secrets = sorted(forms, key=len, reverse=True)
        self._known = _known_secrets_patterns(self.secrets) if self.secrets else []
        self._by_text: Optional[list[str]] = None  # the forms in text order, for prefixes (_mask_cut)

    def _mask_match(self, match: re.Match) -> str:
        value = match.group(2)
        if value.endswith("…") and len(value) > PREFIX + 1 and "…" not in value[:-1]:
            # A value a message cut short ("password": "s3cr3t…"): longer than a mask leaves.
            cut = value[:-1]
            if not is_placeholder(cut):
                return match.group(1) + mask(cut, "") + "…"
        if is_placeholder(value):  # also what is masked already: it contains '…'
            return match.group(0)
        if _WORD.match(value) and match.re is _SCHEME_WORD_PATTERN.compiled():
            # "the access token after Bearer contains a space": a word of a message, not a
            # token (a secret the inputs really hold is masked by value before this).
            return match.group(0)
        if match.string.startswith("…", match.end()):
            # A value a message cut short ("Bearer eyJhbGciOi…"): its own ellipsis stays the only one.
            return match.group(1) + mask(value, "")
        return match.group(1) + mask(value, self.suffix)

    def mask_known(self, text: str) -> str:
        """Only the known secret values (for text masked by shape already)."""
        for pattern in self._known:
            text = pattern.sub(lambda match: mask(match.group(), self.suffix), text)
        if self._known and "…" in text:
            text = _CUT_SHORT.sub(self._mask_cut, text)
        return text

    def _mask_cut(self, match: re.Match) -> str:
        """The start of a known secret that a message cut short (render_value: "s3cr3t…")."""
        start = match.group(1)
        if self._by_text is None:
            self._by_text = sorted(self.secrets)
        at = bisect.bisect_left(self._by_text, start)
        if at < len(self._by_text) and self._by_text[at].startswith(start):
            return mask(start, "") + "…"
        return match.group(0)

    def mask_text(self, text: str) -> str:
        text = self.mask_known(text)
        present = _words_in(text.lower())
        for pattern, words in zip(_PATTERNS, _PATTERN_WORDS):
            if words is None or not present.isdisjoint(words):
                text = pattern.sub(self._mask_match, text)
        return text


_CREDENTIAL_MASKER: Optional[Masker] = None


def mask_credentials(text: str) -> str:
    """`text` with whatever looks like a credential masked (no secret values known: a line
    written before or apart from a report, such as an error line; the report masks again
    with the values its inputs held)."""
    global _CREDENTIAL_MASKER
    if _CREDENTIAL_MASKER is None:
        _CREDENTIAL_MASKER = Masker()
    return _CREDENTIAL_MASKER.mask_text(text)


class MaskingStream:
    """A text stream that masks each complete line before passing it on.

    Line-buffered because reporters write in pieces (a JSON string may come in several
    writes); secrets never span lines. Lines are masked in blocks of about `BLOCK`
    characters: reporters write many small pieces, and each masking pass costs the same
    few regex scans however short the text. `finish()` passes on what is left.
    """

    BLOCK = 64 * 1024

    def __init__(self, stream, masker: Masker, escape: bool = False):
        self.stream = stream
        self.masker = masker
        # escape: control characters other than newline and tab as \\uXXXX (see vipps_lint/escape.py).
        self._clean = escape_controls_in_lines if escape else escape_surrogates
        self._pending: list[str] = []
        self._size = 0

    def write(self, text: str) -> int:
        self._pending.append(text)
        self._size += len(text)
        if self._size >= self.BLOCK and "\n" in text:
            complete, rest = "".join(self._pending).rsplit("\n", 1)
            self.stream.write(self._clean(self.masker.mask_text(complete + "\n")))
            self._pending, self._size = [rest], len(rest)
        return len(text)

    def flush(self) -> None:
        # A partial line stays pending: a secret could continue in the next write.
        self.stream.flush()

    def finish(self) -> None:
        """Pass on what is pending (call once, when the report is written)."""
        pending = "".join(self._pending)
        if pending:
            self.stream.write(self._clean(self.masker.mask_text(pending)))
        self._pending, self._size = [], 0
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty() if hasattr(self.stream, "isatty") else False

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", "utf-8")

    def __getattr__(self, name):
        return getattr(self.stream, name)
