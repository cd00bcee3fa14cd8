"""Secrets never leave vipps-lint in full: every output format, stderr, and `redact`."""

from __future__ import annotations

import json

import pytest

from vipps_lint.models import Request, Response, SourceFile
from vipps_lint.reporters import FORMATS
from vipps_lint.secrets import Masker, collect_secrets, is_placeholder, mask

from conftest import FIXTURES, run_cli

TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtdGVzdCJ9.S3VwZXJTZWNyZXRTaWduYXR1cmVWYWx1ZTAwMQ"
KEY = "9a8b7c6d5e4f30211203f4e5d6c7b8a9"
CLIENT_SECRET = "Zq4~Tt8vW.n2Lp6rX9sK3mB7cH1jF5gD0yE"
QUERY_SECRET = "qs-SeCrEt-7f3a9c2e81"
SECRETS = (TOKEN, KEY, CLIENT_SECRET, QUERY_SECRET)


def _dump(tmp_path):
    """An NDJSON dump with each kind of secret, in places that end up in reports."""
    lines = [
        # Authorization without "Bearer": the raw token is in the code frame of that line.
        {
            "method": "POST",
            "url": "https://api.vipps.no/epayment/v1/payments/acme-shop-123-order128/capture",
            "headers": {"Authorization": TOKEN, "Ocp-Apim-Subscription-Key": KEY, "Content-Type": "text/plain"},
            "body": {"modificationAmount": {"currency": "NOK", "value": 100}},
            "status": 400,
            "responseBody": {"title": "Bad Request", "detail": f"token {TOKEN} rejected"},
        },
        {
            "method": "POST",
            "url": f"https://apitest.vipps.no/accesstoken/get?client_secret={QUERY_SECRET}",
            "headers": {"client_id": "3f2b8c1e-9a4d-4e6b", "client_secret": CLIENT_SECRET},
            "status": 401,
            "responseBody": {"message": f"invalid client_secret {CLIENT_SECRET}"},
        },
        '{"method": "GET", "url": "/x", "headers": {"Authorization": "Bearer ' + TOKEN + '"}, "body": "not json"}',
    ]
    path = tmp_path / "dump.ndjson"
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def test_units():
    assert mask(TOKEN) == "eyJ0…" and mask("short") == "…"
    assert all(
        is_placeholder(value) for value in ("{{access_token}}", "<token>", "xxxxxxxxxx", "your-key-here", "${TOKEN}")
    )
    assert not is_placeholder(TOKEN)
    request = Request(
        SourceFile("x", None),
        0,
        "POST",
        f"https://x/y?access_token={QUERY_SECRET}&a=1",
        headers=[
            ("Authorization", f"Bearer {TOKEN}"),
            ("Ocp-Apim-Subscription-Key", KEY),
            ("client_secret", "{{client_secret}}"),
        ],
        response=Response(200, body={"access_token": TOKEN, "secret": CLIENT_SECRET}),
    )
    assert collect_secrets(request) == {TOKEN, KEY, QUERY_SECRET, CLIENT_SECRET}
    masked = Masker().mask_text(
        f'Authorization: Bearer {TOKEN}\n"Ocp-Apim-Subscription-Key": "{KEY}" ?client_secret={QUERY_SECRET}'
    )
    assert not any(secret in masked for secret in SECRETS)
    assert (
        Masker().mask_text("Add `Authorization: Bearer <access_token>`") == "Add `Authorization: Bearer <access_token>`"
    )


@pytest.mark.parametrize("output_format", sorted(FORMATS))
@pytest.mark.parametrize("quiet", [False, True])
def test_no_output_format_prints_a_secret(tmp_path, output_format, quiet):
    dump = _dump(tmp_path)
    result = run_cli(
        "check",
        "--format",
        output_format,
        *(["--quiet"] if quiet else []),
        "--select",
        "header,response,dump,route",
        str(dump),
    )
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in err
    assert "header-authorization-bearer" in out and "dump-live-credentials" in out
    for secret in SECRETS:
        assert secret not in out and secret not in err, (secret, output_format)
    written = tmp_path / "report.out"
    run_cli("check", "--format", output_format, "-o", str(written), str(dump))
    assert not any(secret in written.read_text() for secret in SECRETS)


# One line per dump format: the redacted copy must still parse in that format.
REDACTABLE = [
    FIXTURES / "ecom" / "initiate-good.json",
    FIXTURES / "ndjson" / "2024-06-14-shop.ndjson",
    FIXTURES / "ndjson" / "production-live-token.ndjson",
]


def _parses(path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ndjson":
        for line in text.splitlines():
            json.loads(line)
    else:
        json.loads(text)


@pytest.mark.parametrize("dump", REDACTABLE, ids=lambda path: path.name)
def test_redacted_copy_parses_and_holds_no_secret(tmp_path, dump):
    from vipps_lint.models import Request as RequestType
    from vipps_lint.sources import ReadOptions, read_source

    secrets = set()
    for item in read_source(SourceFile(str(dump), str(dump)), ReadOptions()):
        if isinstance(item, RequestType):
            secrets |= collect_secrets(item)
    copy = tmp_path / dump.name
    result = run_cli("redact", str(dump), "-o", str(copy))
    assert result.returncode == 0, result.stderr.decode()
    assert "secrets masked" in result.stderr.decode()
    _parses(copy)
    text = copy.read_text(encoding="utf-8")
    assert not any(secret in text for secret in secrets)
    if not secrets:  # nothing to mask: the copy is the original, byte for byte
        assert copy.read_bytes() == dump.read_bytes()
        return
    assert "…REDACTED" in text
    # Same requests, same findings (minus the credential rule), in the copy.
    before = json.loads(run_cli("check", "--format", "json", str(dump)).stdout)
    after = json.loads(run_cli("check", "--format", "json", str(copy)).stdout)
    assert after["summary"]["requests"] == before["summary"]["requests"]
    assert "dump-live-credentials" not in {finding["rule"] for finding in after["findings"]}


def test_redact_several_files_into_a_directory_and_to_stdout(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("redact", *map(str, REDACTABLE[1:]), "-o", str(out))
    assert result.returncode == 0 and sorted(path.name for path in out.iterdir()) == sorted(
        path.name for path in REDACTABLE[1:]
    )
    single = run_cli("redact", str(REDACTABLE[2]))
    assert single.returncode == 0 and "REDACTED" in single.stdout.decode()
    refused = run_cli("redact", *map(str, REDACTABLE))
    assert refused.returncode == 2 and "-o must name an existing directory" in refused.stderr.decode()


def test_patterns_catch_secrets_never_read_as_headers():
    masker = Masker()
    samples = [
        f'{{"name": "Ocp-Apim-Subscription-Key", "value": "{KEY}"}}',  # HAR
        f'{{"key": "client_secret", "value": "{CLIENT_SECRET}"}}',  # Postman
        f"curl -H 'Ocp-Apim-Subscription-Key: {KEY}' https://api.vipps.no/x",
        f'{{"access_token": "{TOKEN}"}}',
        f"token {TOKEN} rejected",
        f"GET /x?client_secret={QUERY_SECRET}&a=1",
    ]
    for sample in samples:
        masked = masker.mask_text(sample)
        assert not any(secret in masked for secret in SECRETS), masked
        assert "…" in masked


def test_error_lines_on_stderr_are_masked():
    import io

    from vipps_lint.cli import write_errors
    from vipps_lint.models import InputError, Report

    report = Report(errors=[InputError("dump.ndjson", f"cannot use {KEY}", 3, 1)], secrets={KEY})
    stream = io.StringIO()
    write_errors(report, stream)
    assert stream.getvalue() == "dump.ndjson:3:1: cannot use 9a8b…\n"


def test_a_code_frame_window_never_shows_part_of_a_secret(tmp_path):
    # The frame of the Content-Type value starts a dozen characters into the key.
    line = {
        "method": "POST",
        "url": "https://apitest.vipps.no/epayment/v1/payments/" + "r" * 80 + "/capture",
        "headers": {"Ocp-Apim-Subscription-Key": KEY, "Content-Type": "text/plain"},
        "body": {"a": 1},
    }
    path = tmp_path / "one.ndjson"
    path.write_text(json.dumps(line) + "\n")
    out = run_cli("check", "--select", "header-content-type-json", str(path)).stdout.decode()
    assert '"text/plain"' in out and "^^^^^^^^^^^^" in out
    assert KEY[-10:] not in out and KEY[:8] not in out


def test_explain_masks_credential_shaped_example_values():
    out = run_cli("explain", "dump-live-credentials").stdout.decode()
    assert "Authorization: Bearer eyJ0…" in out and "Ocp-Apim-Subscription-Key: 0f3c…" in out
    assert "0f3c9a7be21d4c6f8e5a1b2c3d4e5f60" not in out


# ---- passwords: curl -u, URL userinfo, Authorization: Basic ----------------------------------

PASSWORD = "TOPSECRETPASSWORD99"
CURL_WITH_PASSWORDS = (
    "# Get payment\n"
    f"curl -u myid:{PASSWORD} https://apitest.vipps.no/epayment/v1/payments/acme-shop-123-order123abc\n"
    "# Capture\n"
    f"curl -X POST 'https://myid:{PASSWORD}@apitest.vipps.no/epayment/v1/payments/acme-shop-123-order123abc/capture' "
    '-d \'{"modificationAmount": {"currency": "NOK", "value": 100}}\'\n'
)


def test_passwords_of_basic_auth_and_url_userinfo_are_collected():
    import base64

    def collected(url, authorization):
        return collect_secrets(
            Request(
                SourceFile("x", None),
                0,
                "GET",
                url,
                headers=[("Authorization", authorization)] if authorization else [],
            )
        )

    encoded = base64.b64encode(f"myid:{PASSWORD}".encode()).decode()
    assert PASSWORD in collected("https://apitest.vipps.no/x", f"Basic {encoded}")  # what curl -u sends
    assert PASSWORD in collected("https://apitest.vipps.no/x", f"Basic myid:{PASSWORD}")  # REST Client's plain forms
    assert PASSWORD in collected("https://apitest.vipps.no/x", f"Basic myid {PASSWORD}")
    assert PASSWORD in collected(f"https://myid:{PASSWORD}@apitest.vipps.no/x", None)
    assert "TOPSECRET/PASSWORD99" in collected("https://myid:TOPSECRET%2FPASSWORD99@apitest.vipps.no/x", None)
    assert collected("https://{{user}}:{{password}}@apitest.vipps.no/x", "Basic {{credentials}}") == set()


def test_patterns_mask_curl_user_and_url_passwords_of_any_length():
    masker = Masker()
    for sample, password in [
        (f"curl -u myid:{PASSWORD} https://apitest.vipps.no/x", PASSWORD),
        (f"curl --user 'myid:{PASSWORD}' https://apitest.vipps.no/x", PASSWORD),
        ('curl -su "myid:hunter2" https://apitest.vipps.no/x', "hunter2"),  # short: still a password by its place
        (f"GET https://myid:{PASSWORD}@apitest.vipps.no/x", PASSWORD),
        (f"curl --oauth2-bearer {KEY} https://apitest.vipps.no/x", KEY),
    ]:
        masked = masker.mask_text(sample)
        assert password not in masked and "…" in masked, masked
    for harmless in (
        "Add `-u <id>:<password>`",
        "http://localhost:8080/x",
        "curl --user-agent Mozilla:5 x",
        "curl -u myid:TOPS…REDACTED x",
    ):
        assert masker.mask_text(harmless) == harmless


@pytest.mark.parametrize("output_format", sorted(FORMATS))
def test_curl_passwords_never_reach_a_report(tmp_path, output_format):
    path = tmp_path / "calls.curl"
    path.write_text(CURL_WITH_PASSWORDS)
    result = run_cli("check", "--format", output_format, str(path))
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in err
    assert "header-authorization-bearer" in out or output_format == "concise" and "Authorization" in out
    assert PASSWORD not in out and PASSWORD not in err, output_format
    written = tmp_path / "report.out"
    run_cli("check", "--format", output_format, "-o", str(written), str(path))
    assert written.read_text() and PASSWORD not in written.read_text()


def test_redact_masks_curl_passwords_and_the_copy_is_still_curl(tmp_path):
    from vipps_lint.sources import ReadOptions, read_source

    path = tmp_path / "calls.curl"
    path.write_text(CURL_WITH_PASSWORDS)
    copy = tmp_path / "calls.redacted.curl"
    result = run_cli("redact", str(path), "-o", str(copy))
    assert result.returncode == 0, result.stderr.decode()
    text = copy.read_text()
    assert (
        PASSWORD not in text
        and "-u myid:TOPS…REDACTED " in text
        and "https://myid:TOPS…REDACTED@apitest.vipps.no/" in text
    )
    requests = list(read_source(SourceFile(str(copy), str(copy)), ReadOptions()))
    assert [(request.name, request.method) for request in requests] == [("Get payment", "GET"), ("Capture", "POST")]
    assert all(request.header("Authorization").startswith("Basic ") for request in requests)


def test_http_file_basic_credentials_are_masked_in_reports_and_redact(tmp_path):
    path = tmp_path / "calls.http"
    path.write_text(f"GET https://apitest.vipps.no/epayment/v1/payments/abc\nAuthorization: Basic myid {PASSWORD}\n")
    result = run_cli("check", str(path))
    assert "header-authorization-bearer" in result.stdout.decode() and PASSWORD not in result.stdout.decode()
    redacted = run_cli("redact", str(path))
    assert redacted.returncode == 0 and PASSWORD not in redacted.stdout.decode()


def test_every_masking_pattern_has_its_prefilter_words_in_what_it_matches():
    """A pattern is skipped for text without any of its words: each match must contain one."""
    from vipps_lint import secrets

    assert len(secrets._PATTERN_WORDS) == len(secrets._PATTERNS)
    samples = [
        "curl -u id:Sup3rS3cretPw https://apitest.vipps.no",
        "https://id:Sup3rS3cretPw@host/x",
        "--oauth2-bearer Sup3rS3cretTok",
        "Ocp-Apim-Subscription-Key: 0123456789abcdef0123456789abcdef",
        '{"name": "Authorization", "value": "Bearer Sup3rS3cretTok"}',
        '"client_secret": "Sup3rS3cretPw"',
        "https://h/x?access_token=Sup3rS3cretTok",
        "Basic aWQ6U3VwM3JTM2NyZXRQdw==",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl",
        '{"key": "password", "value": "Sup3rS3cretPw"}',
        'not a header: "X-Api-Key 0123456789abcdef0123"',
        "[{'key': 'password', 'value': 'Sup3rS3cretPw'}] is not of type 'object'",
        "{'Ocp-Apim-Subscription-Key': '0123456789abcdef'} is not of type 'array'",
    ]
    for pattern, words in zip(secrets._PATTERNS, secrets._PATTERN_WORDS):
        # (one character past the match: a lookahead such as `(?=@)` is part of what matched)
        matched = [sample[match.start() : match.end() + 1] for sample in samples for match in pattern.finditer(sample)]
        assert matched, pattern.pattern
        if words is not None:
            assert all(any(word in text.lower() for word in words) for text in matched), pattern.pattern


def test_remembered_header_secrets_agree_with_reading_each_header_afresh(monkeypatch):
    """collect_secrets remembers each header's secrets by its name and value (a log repeats
    them): what it gives is what reading the header afresh gives, on a first and a repeated
    sight, for names of every kind in any case, and after the memory was emptied when full."""
    from vipps_lint import secrets

    names = [
        "Authorization",
        "authorization",
        "AUTHORIZATION",
        "Ocp-Apim-Subscription-Key",
        "client_secret",
        "X-Api-Key",
        "X-Client-Secret",
        "Cookie",
        "set-cookie",
        "Content-Type",
        "Merchant-Serial-Number",
        "X-Request-Id",
        "",
    ]
    values = [
        f"Bearer {TOKEN}",
        TOKEN,
        KEY,
        "Bearer {{access_token}}",
        "Basic " + __import__("base64").b64encode(f"id:{CLIENT_SECRET}".encode()).decode(),
        f"Basic id {CLIENT_SECRET}",
        f"session={TOKEN}; Path=/; HttpOnly",
        "application/json",
        "123456",
        "short",
        "",
        "x" * 5000,  # too long to remember
    ]
    monkeypatch.setattr(secrets, "_REMEMBERED", 7)  # emptied several times on the way
    for _round in range(2):
        for name in names:
            for value in values:
                request = Request(SourceFile("x", None), 0, "GET", "https://x/y", headers=[(name, value)])
                assert collect_secrets(request) == set(secrets.header_secrets(name, value)), (name, value)
    assert set(secrets.header_secrets("Authorization", f"Bearer {TOKEN}")) == {TOKEN}
    assert secrets.header_secrets("Content-Type", TOKEN) == ()

    # Body keys: each key's verdict is remembered too.
    keys = ["access_token", "Access_Token", "ACCESS_TOKEN", "secret", "Secret", "merchantInfo", "token", "k" * 300]
    for _round in range(3):
        for key in keys:
            request = Request(SourceFile("x", None), 0, "POST", "https://x/y", body={"outer": {key: CLIENT_SECRET}})
            assert collect_secrets(request) == ({CLIENT_SECRET} if secrets.is_secret_body_key(key) else set()), key
    assert secrets.is_secret_body_key("Access_Token") and not secrets.is_secret_body_key("token")


def _distinct_tokens(count: int) -> list[str]:
    """Tokens as a day of traffic has them: each request its own, some sharing a long prefix,
    some a prefix of another, some with characters that regexes and JSON escape."""
    import hashlib

    tokens = []
    for number in range(count):
        digest = hashlib.sha256(str(number).encode()).hexdigest()
        tokens.append(
            [digest[:32], f"sk_live_{digest[:20]}", f"tok.{digest[:12]}+/={digest[12:20]}", f"pw(é)*?{digest[:10]}"][
                number % 4
            ]
        )
    tokens += [tokens[0] + "extra", tokens[1][:12]]  # one secret inside another
    return tokens


def test_thousands_of_distinct_secrets_are_each_masked_wherever_they_appear():
    import re

    tokens = _distinct_tokens(3000)
    masker = Masker(tokens)
    text = "\n".join(f"request {number} sent {token} (again: x{token}y)" for number, token in enumerate(tokens))
    masked = masker.mask_text(text)
    assert not any(token in masked for token in tokens)
    # The same as one alternation of every form, longest first (what the trie replaces; it
    # costs time in the number of forms at every character, so it is run on fewer).
    few = Masker(tokens[:300] + tokens[-2:])
    text = "\n".join(line for line in text.splitlines() if any(token in line for token in tokens[:300] + tokens[-2:]))
    flat = re.compile("|".join(re.escape(form) for form in few.secrets))
    assert few.mask_known(text) == flat.sub(lambda match: mask(match.group()), text)


@pytest.mark.slow
def test_a_log_where_every_request_has_its_own_token_is_masked_in_every_format(tmp_path):
    tokens = _distinct_tokens(400)  # with one alternation of them all, the text report took 8 s
    lines = []
    for number, token in enumerate(tokens):
        request = {
            "method": "POST",
            "url": "https://apitest.vipps.no/epayment/v1/payments",
            "headers": {"Authorization": f"Bearer {token}", "Ocp-Apim-Subscription-Key": f"key-{token}"},
            "body": {"amount": {"currency": "NOK", "value": -number}, "reference": f"ref {token}"},
        }
        lines.append(json.dumps(request))
    dump = tmp_path / "day.ndjson"
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for report_format in ("json", "text", "sarif"):
        result = run_cli("check", str(dump), "--format", report_format, "--jobs", "1")
        output = result.stdout.decode() + result.stderr.decode()
        assert result.returncode == 1, output[-2000:]
        assert "amount.value" in output
        leaked = [token for token in tokens if token in output or json.dumps(token)[1:-1] in output]
        assert not leaked, (report_format, leaked[:3])


def test_known_secrets_are_matched_as_one_alternation_longest_first_would():
    import random
    import re

    from vipps_lint.secrets import _known_secrets_pattern

    chooser = random.Random(5)
    for _ in range(500):
        alphabet = chooser.choice(["ab", "abc", "ab\n.", "a\\b*("])
        forms = {"".join(chooser.choices(alphabet, k=chooser.randint(8, 11))) for _ in range(chooser.randint(1, 12))}
        forms = sorted(forms, key=len, reverse=True)
        flat = re.compile("|".join(re.escape(form) for form in forms))
        trie = _known_secrets_pattern(forms)
        for _ in range(10):
            text = "".join(chooser.choices(alphabet + "x", k=chooser.randint(0, 60)))
            assert trie.sub(lambda match: f"<{match.group()}>", text) == flat.sub(
                lambda match: f"<{match.group()}>", text
            )


def test_the_curl_user_pattern_matches_where_its_look_behind_first_form_did():
    import random
    import re

    from vipps_lint.secrets import _PATTERNS

    written_before = re.compile(
        r"""((?<![\w-])(?:-[A-Za-z]*[uU]|--(?:proxy-)?user(?=[\s=]))[ \t]*=?[ \t]*['"]?[^\s:'"`]*:)([^\s'"`]+)"""
    )
    pieces = ["-", "u", "U", "-u", "--user", "--proxy-user", " ", "\t", "=", "'", '"', ":", "a", "x", "\n", "é", "_"]
    pieces += ["1", "`", "-su", "--user=", "id:pw", "--userx"]
    chooser = random.Random(3)
    for _ in range(20000):
        text = "".join(chooser.choices(pieces, k=chooser.randint(0, 14)))
        expected = [(match.span(), match.groups()) for match in written_before.finditer(text)]
        assert [(match.span(), match.groups()) for match in _PATTERNS[0].finditer(text)] == expected, text


def test_a_token_a_message_cut_short_is_masked_with_one_ellipsis_and_its_closing_quote(tmp_path):
    from vipps_lint.checks.functions import render_value

    token = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0" * 6
    # A long string is cut inside its quotes, whatever its escapes make of its length.
    assert render_value("a" * 200) == '"' + "a" * 77 + '…"'
    assert render_value("\\" * 200) == '"' + "\\\\" * 38 + '…"'
    assert len(render_value("\x01" * 200)) <= 80 and render_value("\x01" * 200).endswith('…"')
    body = {
        "merchantInfo": {"merchantSerialNumber": "123456", "callbackPrefix": f"Bearer {token}", "fallBack": "x"},
        "customerInfo": {},
        "transaction": {"orderId": "acme-shop-123-order1", "amount": 1000, "transactionText": "Socks"},
    }
    path = tmp_path / "body.json"
    path.write_text(json.dumps(body))
    result = run_cli("check", "--endpoint", "POST /ecomm/v2/payments", "--format", "concise", str(path))
    line = next(line for line in result.stdout.decode().splitlines() if "callbackPrefix is not an absolute URL" in line)
    assert line.endswith('got "Bearer eyJh…"'), line
    assert token[:12] not in result.stdout.decode()


def test_a_known_secret_a_message_cut_short_is_masked_wherever_it_stands():
    from vipps_lint.checks.functions import render_value

    secret = "s3cr3tVALUE" + "q" * 150 + "END"
    masker = Masker({secret})
    shown = render_value(secret)  # '"s3cr3tVALUEqqq…"'
    text = masker.mask_text(f'got {shown} at {{"password": {shown}, "X-Api-Key": {shown}}}')
    assert "s3cr3tV" not in text and text.count('"s3cr…"') == 3, text
    # What a mask left already is left alone (masking twice changes nothing).
    assert masker.mask_text(text) == text
    # A cut value that begins no known secret, under no secret's name, is left as it is.
    assert masker.mask_text('got "just a long ordinary sentence…"') == 'got "just a long ordinary sentence…"'


def test_an_error_line_masks_known_values_before_shapes():
    # A shape stops at ';' or ','; a known value masked first is masked whole.
    from vipps_lint.models import InputError

    for secret in ("abcdefgh;ijklmnop", "aB3dE5gH,mN4vB7xC9"):
        error = InputError("request.http", f'not a header: "X-Api-Key: {secret}"', 3, 1)
        line = error.line_masked(Masker({secret}))
        assert secret[-6:] not in line and line.startswith("request.http:3:1: not a header"), line


def test_hundreds_of_secrets_that_begin_one_another_are_split_into_tries_re_can_compile():
    from vipps_lint.secrets import _known_secrets_patterns

    forms = ["a" * length for length in range(1000, 8, -1)]  # a crafted dump: each begins the next
    patterns = _known_secrets_patterns(forms)
    assert len(patterns) > 1  # split where one trie would nest past what `re` compiles
    assert sum(len(pattern.pattern) for pattern in patterns) < 4 * sum(map(len, forms))  # no flat alternation
    assert Masker(forms[:600]).mask_known("x" + "a" * 700 + "y") == "xaaaa…y"
