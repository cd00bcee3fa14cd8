"""Planted secrets: every input format holds known secrets; no output channel may print one.

Channels: every report format on standard output, `-o`, every `--output-FORMAT`, `--diff`,
`--fix` (its messages and the files it writes are the user's own, but its stderr is shown
in CI), standard error, `redact`, and baselines. A secret counts as leaked in any of the
encodings it can take in text (JSON escapes `\\/` and `\\u00e9`, URL-encoding).
"""

from __future__ import annotations

import base64
import json
import shutil

import pytest
from click.testing import CliRunner

from vipps_lint.cli import main
from vipps_lint.reporters import FORMATS
from vipps_lint.secrets import encodings, is_placeholder

# A JWT holding "xxx" (the old placeholder test printed such tokens in full).
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.Qm9xxxZ2V0LXNpZ25hdHVyZS0xMjM0NTY3ODkw"
KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CLIENT_SECRET = "cs/Ab9é~Zq4Tt8vWn2Lp6rX"  # written \/ and \u00e9 in JSON dumps
PASSWORD = "Hunter2-Pa55w0rd-9a8b"
COOKIE = "sess-7f3a9c2e81d04b6fa2"
API_KEY = "ak-51b2c3d4e5f60718293a"
BODY_PASSWORD = "bodyPw/é-4471-secret"
SECRETS = {
    "token": TOKEN,
    "key": KEY,
    "client secret": CLIENT_SECRET,
    "password": PASSWORD,
    "cookie": COOKIE,
    "api key": API_KEY,
    "body password": BODY_PASSWORD,
}
URL = "https://apitest.vipps.no/ecomm/v2/payments"
BODY = {
    "merchantInfo": {
        "callbackPrefix": "http://example.com/cb",
        "fallBack": "https://example.com/fb",
        "merchantSerialNumber": "123456",
    },
    "customerInfo": {"mobileNumber": "+47 91 23 45 67"},
    "transaction": {"amount": 1000, "orderId": "order-1", "transactionText": "Bløtkake"},
}


def _php_json(value) -> str:
    """JSON as PHP writes it: `\\/` for every slash, `\\u00e9` for non-ASCII."""
    return json.dumps(value).replace("/", "\\/")


def _inputs(folder):
    folder.mkdir()
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Ocp-Apim-Subscription-Key": KEY,
        "client_secret": CLIENT_SECRET,
        "Cookie": f"session={COOKIE}",
        "X-Api-Key": API_KEY,
        "Content-Type": "application/json",
        "Merchant-Serial-Number": "123456",
    }
    body = {**BODY, "password": BODY_PASSWORD}
    (folder / "body.json").write_text(_php_json(body))
    (folder / "log.ndjson").write_text(
        _php_json(
            {
                "method": "POST",
                "url": URL,
                "headers": headers,
                "body": body,
                "status": 400,
                "responseHeaders": {"Set-Cookie": f"session={COOKIE}; Path=/; HttpOnly"},
                "responseBody": {"detail": f"bad client_secret {CLIENT_SECRET}"},
            }
        )
        + "\n"
        + "{broken line with client_secret "
        + CLIENT_SECRET
        + " and Bearer "
        + TOKEN
        + "\n"
    )
    har_headers = [{"name": name, "value": value} for name, value in headers.items()]
    har = {
        "log": {
            "version": "1.2",
            "pages": [{"id": "p", "title": f"page {TOKEN}"}],
            "entries": [
                {
                    "pageref": "p",
                    "request": {
                        "method": "POST",
                        "url": URL,
                        "headers": har_headers,
                        "cookies": [{"name": "session", "value": COOKIE}],
                        "postData": {"mimeType": "application/json", "text": _php_json(body)},
                    },
                    "response": {
                        "status": 400,
                        "headers": [{"name": "Set-Cookie", "value": f"session={COOKIE}; Secure"}],
                        "content": {"mimeType": "application/json", "text": json.dumps({"title": f"token {TOKEN}"})},
                    },
                }
            ],
        }
    }
    (folder / "session.har").write_text(_php_json(har))
    postman = {
        "info": {"name": "shop", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [
            {
                "name": "Initiate",
                "request": {
                    "method": "POST",
                    "url": URL,
                    "auth": {
                        "type": "basic",
                        "basic": [
                            {"key": "username", "value": "shop-user", "type": "string"},
                            {"key": "password", "value": PASSWORD, "type": "string"},
                        ],
                    },
                    "header": [
                        {"key": "Ocp-Apim-Subscription-Key", "value": KEY},
                        {"key": "X-Api-Key", "value": API_KEY},
                    ],
                    "body": {"mode": "raw", "raw": json.dumps(body)},
                },
            }
        ],
    }
    (folder / "shop.postman_collection.json").write_text(json.dumps(postman))
    (folder / "calls.http").write_text(
        f"POST {URL}\nAuthorization: Bearer {TOKEN}\nOcp-Apim-Subscription-Key {KEY}\nContent-Type: "
        "application/json\n\n" + json.dumps(BODY) + "\n"
    )
    (folder / "calls.curl").write_text(
        f"curl {URL} -u shop:{PASSWORD} -H 'X-Api-Key: {API_KEY}' -H 'Cookie: session={COOKIE}' "
        f"-H 'Authorization: Bearer {TOKEN}' -H 'Content-Type: application/json' -d '{json.dumps(body)}'\n"
    )
    return folder


def _leaks(text: str) -> list[str]:
    return [name for name, secret in SECRETS.items() for form in encodings(secret) if form in text]


def _invoke(*args):
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def test_the_planted_secrets_are_not_placeholders():
    assert not any(is_placeholder(secret) for secret in SECRETS.values())


@pytest.mark.parametrize("output_format", sorted(FORMATS))
def test_no_report_format_prints_a_planted_secret(tmp_path, output_format):
    inputs = _inputs(tmp_path / "in")
    result = _invoke("check", "--format", output_format, inputs)
    assert result.exit_code == 2  # the broken NDJSON line and the malformed .http header
    assert "Traceback" not in result.stderr
    assert _leaks(result.stdout) == [], output_format
    assert _leaks(result.stderr) == []


def test_no_file_output_prints_a_planted_secret(tmp_path):
    inputs = _inputs(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    options = [f"--output-{name}" for name in FORMATS]
    args = [item for option in options for item in (option, out / option.removeprefix("--output-"))]
    result = _invoke("check", "-o", out / "main.txt", "--write-baseline", out / "baseline.json", *args, inputs)
    assert "Traceback" not in result.stderr
    written = sorted(out.iterdir())
    assert len(written) == len(FORMATS) + 2
    for path in written:
        assert _leaks(path.read_text()) == [], path.name
    assert _leaks(result.stdout + result.stderr) == []


def test_diff_and_fix_print_no_planted_secret(tmp_path):
    inputs = _inputs(tmp_path / "in")
    diff = _invoke("check", "--diff", inputs)
    assert "---" in diff.stdout  # there is something to fix
    assert _leaks(diff.stdout) == [] and _leaks(diff.stderr) == []
    fixed = tmp_path / "fixed"
    shutil.copytree(inputs, fixed)
    fix = _invoke("check", "--fix", fixed)
    assert "Fixed" in fix.stderr
    assert _leaks(fix.stdout) == [] and _leaks(fix.stderr) == []


@pytest.mark.parametrize(
    "name", ["body.json", "log.ndjson", "session.har", "shop.postman_collection.json", "calls.http", "calls.curl"]
)
def test_redact_never_writes_a_planted_secret(tmp_path, name):
    inputs = _inputs(tmp_path / "in")
    copy = tmp_path / "copy"
    result = _invoke("redact", "-o", copy, inputs / name)
    assert "Traceback" not in result.stderr
    assert _leaks(result.stderr) == []
    if copy.exists():
        assert _leaks(copy.read_text()) == [], name
    else:
        assert result.exit_code == 2  # refused: the file had a part that could not be read


def test_redact_refuses_a_file_with_a_line_it_could_not_read(tmp_path):
    inputs = _inputs(tmp_path / "in")
    result = _invoke("redact", inputs / "calls.http")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "not writing a copy" in result.stderr


def test_basic_auth_in_a_postman_collection_masks_the_password(tmp_path):
    inputs = _inputs(tmp_path / "in")
    result = _invoke("check", "--format", "json", inputs / "shop.postman_collection.json")
    assert PASSWORD not in result.stdout
    encoded = base64.b64encode(f"shop-user:{PASSWORD}".encode()).decode()
    assert encoded not in result.stdout


# Files that are not inputs — configuration, rule packs, Postman environments, baselines,
# --spec documents — broken so that their error lines quote the planted secrets. The inputs
# linted alongside hold none, so no secret is known by value: the error line itself must mask.
_HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "Ocp-Apim-Subscription-Key": KEY,
    "client_secret": CLIENT_SECRET,
    "Cookie": f"session={COOKIE}",
    "X-Api-Key": API_KEY,
}
_URL_WITH_PASSWORD = f"https://shop:{PASSWORD}@example.com"


def _config_yaml(folder):
    path = folder / "vipps-lint.yaml"
    path.write_text(
        f'fail-on: "Bearer {TOKEN}"\n"Ocp-Apim-Subscription-Key {KEY}": 1\nseverity: {json.dumps(_HEADERS)}\n'
        f"select: {json.dumps([{'password': BODY_PASSWORD}, _URL_WITH_PASSWORD])}\n"
    )
    return ["--config", path]


def _config_toml(folder):
    path = folder / "pyproject.toml"
    path.write_text(
        f'[tool.vipps-lint]\nfail-on = "Bearer {TOKEN}"\n"Ocp-Apim-Subscription-Key {KEY}" = 1\n'
        f'select = [{{password = "{BODY_PASSWORD}"}}, "{_URL_WITH_PASSWORD}"]\n'
        "[tool.vipps-lint.severity]\n" + "".join(f'"{name}" = "{value}"\n' for name, value in _HEADERS.items())
    )
    return ["--config", path]


def _rule_pack(folder):
    (folder / "rules").mkdir()
    rule = {
        "id": "team-leaky",
        "severity": "fatal",
        "title": _URL_WITH_PASSWORD,
        "examples": {"bad": {"headers": _HEADERS, "body": {"password": BODY_PASSWORD}}},
    }
    (folder / "rules" / "team.yaml").write_text(json.dumps([rule]))
    return ["--rules", folder / "rules"]


def _postman_environment(folder):
    path = folder / "shop.postman_environment.json"
    values = [{"key": name, "value": value} for name, value in {**_HEADERS, "password": PASSWORD}.items()]
    path.write_text(json.dumps({"name": f"Bearer {TOKEN}", "values": values})[:-3])  # cut short: invalid JSON
    return ["--postman-env", path]


def _baseline(folder):
    path = folder / "baseline.json"
    entry = {"fingerprint": f"Bearer {TOKEN}", "count": f"client_secret={CLIENT_SECRET}", "headers": _HEADERS}
    path.write_text(json.dumps({"version": 1, "findings": [entry]}))
    return ["--baseline", path]


def _spec(folder):
    path = folder / "spec.yaml"
    path.write_text(
        "openapi: 3.0.0\ninfo: {title: shop, version: '1'}\n"
        f"servers: [{{url: '{_URL_WITH_PASSWORD}'}}]\n"
        "paths:\n  /ecomm/v2/payments:\n    post:\n"
        "      parameters: [{name: Authorization, in: header,"
        f" schema: {{type: string, example: 'Bearer {TOKEN}'}}}}]\n"
        "      requestBody:\n        content:\n          application/json:\n            schema:\n"
        f"              type: object\n              example: {json.dumps(_HEADERS)}\n"
        f"              properties: {{password: {{type: strng, default: '{BODY_PASSWORD}'}}}}\n"
        "      responses: {'200': {description: ok}}\n"
    )
    return ["--spec", path]


SETTINGS_FILES = {
    "configuration (YAML)": _config_yaml,
    "configuration (TOML)": _config_toml,
    "rule pack": _rule_pack,
    "Postman environment": _postman_environment,
    "baseline": _baseline,
    "--spec document": _spec,
}


def _clean_inputs(folder):
    """Inputs that hold no secret: a Postman collection (so --postman-env applies) and a body."""
    folder.mkdir()
    collection = {
        "info": {"name": "shop", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [{"name": "Initiate", "request": {"method": "POST", "url": URL, "body": {"mode": "raw", "raw": "{}"}}}],
    }
    (folder / "shop.postman_collection.json").write_text(json.dumps(collection))
    (folder / "body.json").write_text(json.dumps(BODY))
    return folder


@pytest.mark.parametrize("kind", sorted(SETTINGS_FILES))
def test_error_lines_about_files_that_are_not_inputs_print_no_planted_secret(tmp_path, kind):
    inputs = _clean_inputs(tmp_path / "in")
    settings = tmp_path / "settings"
    settings.mkdir()
    options = SETTINGS_FILES[kind](settings)
    out = tmp_path / "out"
    out.mkdir()
    reports = [item for name in FORMATS for item in (f"--output-{name}", out / name)]
    result = _invoke("check", *options, *reports, inputs)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    assert str(options[1].name) in result.stderr  # the error line names the broken file
    assert _leaks(result.stdout) == [] and _leaks(result.stderr) == [], result.stderr
    for path in out.iterdir():  # when the run got as far as writing reports, the errors are in them
        assert _leaks(path.read_text()) == [], path.name


def test_rules_and_explain_print_no_planted_secret_from_a_broken_rule_pack(tmp_path):
    options = _rule_pack(tmp_path)
    for command in (["rules", *options], ["explain", "team-leaky", *options]):
        result = _invoke(*command)
        assert result.exit_code == 2 and "team.yaml" in result.stderr, command
        assert _leaks(result.stdout) == [] and _leaks(result.stderr) == [], command


def test_the_apis_configuration_error_holds_no_planted_secret(tmp_path):
    from vipps_lint.api import ConfigError, Linter

    for make in (_config_yaml, _rule_pack):
        folder = tmp_path / make.__name__
        folder.mkdir()
        option, path = make(folder)
        with pytest.raises(ConfigError) as raised:
            Linter(config=path) if option == "--config" else Linter(rules=str(path))
        assert _leaks(str(raised.value)) == [], make.__name__


def test_the_config_command_prints_no_planted_secret(tmp_path):
    config = tmp_path / "vipps-lint.yaml"
    globs = [
        f"Bearer {TOKEN}",
        f"Ocp-Apim-Subscription-Key: {KEY}",
        _URL_WITH_PASSWORD,
        f"client_secret={CLIENT_SECRET}",
    ]
    config.write_text(f"exclude: {json.dumps(globs)}\n")
    for output_format in ("text", "json"):
        result = _invoke("config", "--config", config, "--format", output_format)
        assert result.exit_code == 0 and "exclude" in result.stdout, result.output
        assert _leaks(result.stdout) == [] and _leaks(result.stderr) == [], output_format
