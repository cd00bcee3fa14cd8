"""--fix and --diff through the real CLI, and the fix engine on every body embedding."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

from vipps_lint.models import BodyText, InputError, Request, RequestMeta, SourceFile
from vipps_lint.sources import reader_traits

from conftest import FIXTURES, run_cli

BAD_ECOM = FIXTURES / "ecom" / "initiate-http-urls.json"
GOOD_ECOM = FIXTURES / "ecom" / "initiate-good.json"
KLARNA = FIXTURES / "klarna" / "order-vipps-fee.json"
EPAYMENT = FIXTURES / "epayment" / "create-bad-phone-and-return.json"
UNREACHABLE = FIXTURES / "ecom" / "initiate-unreachable-callback.json"


@pytest.fixture(scope="module")
def linter():
    from vipps_lint.pipeline import Linter, Settings

    return Linter(Settings())


def test_diff_shows_every_fix_and_writes_nothing(tmp_path):
    for fixture in (BAD_ECOM, KLARNA, EPAYMENT):
        shutil.copy(fixture, tmp_path / fixture.name)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    result = run_cli("check", "--diff", ".", cwd=tmp_path)
    assert result.returncode == 1
    diff = result.stdout.decode()
    assert '-    "callbackPrefix": "http://example.com/vipps/callbacks-for-payment-updates",' in diff
    assert '+    "callbackPrefix": "https://example.com/vipps/callbacks-for-payment-updates",' in diff
    assert '+    "phoneNumber": "4791234567"' in diff  # ePayment: MSISDN
    assert '+  "returnUrl": "https://example.com/vipps/return?order=acme-shop-123-order129",' in diff
    assert '+      "fee": 0,' in diff and '+      "redirect_url": "https://example.com/vipps/start",' in diff  # Klarna
    assert "--- a/./create-bad-phone-and-return.json" in diff or "--- a/create-bad-phone-and-return.json" in diff
    assert "Would fix 7 problems in 3 files." in result.stderr.decode()
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
    clean = run_cli("check", "--diff", str(GOOD_ECOM))
    assert clean.returncode == 0 and clean.stdout == b"" and "No fixes available." in clean.stderr.decode()


def test_fix_changes_only_the_values_keeps_bytes_bom_crlf_and_mode_and_is_idempotent(tmp_path):
    original = BAD_ECOM.read_text(encoding="utf-8").replace("\n", "\r\n").replace("  ", "\t")
    target = tmp_path / "body.json"
    target.write_bytes(b"\xef\xbb\xbf" + original.encode("utf-8"))
    os.chmod(target, 0o640)
    result = run_cli("check", "--fix", str(target))
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()  # nothing remains
    assert "Fixed 3 problems in 1 file." in result.stderr.decode()
    assert "No problems found" in result.stdout.decode()
    fixed = target.read_bytes()
    assert fixed == b"\xef\xbb\xbf" + original.replace('"http://', '"https://').encode("utf-8")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert [name for name in os.listdir(tmp_path)] == ["body.json"]  # no temporary file left behind
    again = run_cli("check", "--fix", str(target))
    assert again.returncode == 0 and "No fixes applied." in again.stderr.decode()
    assert target.read_bytes() == fixed


def test_exit_status_after_fix_reflects_what_remains(tmp_path):
    shutil.copy(UNREACHABLE, tmp_path / "unreachable.json")  # localhost/private callbacks: never auto-fixed
    shutil.copy(EPAYMENT, tmp_path / "epayment.json")
    result = run_cli("check", "--fix", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert {(f["file"], f["rule"]) for f in report["findings"]} == {("unreachable.json", "ecom-callback-https")}
    assert all(f["fix"] is None for f in report["findings"])
    assert "Fixed 2 problems in 1 file." in result.stderr.decode()
    assert json.loads((tmp_path / "epayment.json").read_text())["customer"]["phoneNumber"] == "4791234567"
    assert (tmp_path / "unreachable.json").read_bytes() == UNREACHABLE.read_bytes()


def test_fix_refuses_stdin_and_files_that_do_not_parse(tmp_path):
    result = run_cli("check", "--fix", "-", input=BAD_ECOM.read_text())
    assert result.returncode == 2 and "standard input cannot be fixed in place" in result.stderr.decode()
    from vipps_lint.fixes import plan_fixes

    source = SourceFile("dump.ndjson", str(tmp_path / "dump.ndjson"))
    (tmp_path / "dump.ndjson").write_text("{}\n", encoding="utf-8")
    finding = _finding_with_fix(source)
    plans = plan_fixes([finding], [InputError("dump.ndjson", "invalid JSON", 2, 1)])
    assert isinstance(plans[0], InputError) and "could not be parsed" in plans[0].message


def _finding_with_fix(source):
    from vipps_lint.models import Finding, Fix

    request = Request(
        source=source, index=0, body={"a": "http://x.example"}, meta=RequestMeta(_body=BodyText(span=(0, 2)))
    )
    return Finding("ecom-callback-https", "error", "m", request, pointer="/a", fix=Fix("https://x.example", "set a"))


def _embedded_request(source, text, body_text, literal, index, embedding):
    start = text.index(literal)
    return Request(
        source=source,
        index=index,
        method="POST",
        url="https://api.vipps.no/ecomm/v2/payments",
        body=json.loads(body_text),
        meta=RequestMeta(_body=BodyText(span=(start, start + len(literal)), embedding=embedding)),
    )


def test_fix_edits_raw_and_json_string_bodies_in_a_larger_file(tmp_path, linter):
    """The agreed reader interface: NDJSON/.http bodies ("raw") and HAR postData.text ("json-string")."""
    from vipps_lint.fixes import plan_file

    raw_body = '{"customerInfo": {"mobileNumber": "+47 91 23 45 67"}, "merchantInfo": {"callbackPrefix": "http://shop.example.com/cb"}}'
    # In the string literal: an escaped slash and a \u escape that must survive untouched.
    string_body = (
        '{"merchantInfo":{"callbackPrefix":"http:\\/\\/shop.example.com\\/cb","fallBack":"https:\\/\\/shop.example.com\\/\\u00e6"},'
        '"customerInfo":{"mobileNumber":"004791234567"}}'
    )
    literal = json.dumps(string_body)  # what a HAR file holds: the body as a JSON string
    literal = literal.replace("\\\\/", "\\/")  # keep '\/' as written by some HAR exporters
    text = '{"request": ' + raw_body + '}\r\n{"request": {"postData": {"text": ' + literal + "}}}\r\n"
    decoded = json.loads(literal)
    source = SourceFile("dump.ndjson", str(tmp_path / "dump.ndjson"))
    requests = [
        _embedded_request(source, text, raw_body, raw_body, 0, "raw"),
        _embedded_request(source, text, decoded, literal, 1, "json-string"),
    ]
    findings = [f for request in requests for f in linter.lint_request(request) if f.fix is not None]
    assert {(f.request.index, f.pointer) for f in findings} == {
        (0, "/customerInfo/mobileNumber"),
        (0, "/merchantInfo/callbackPrefix"),
        (1, "/customerInfo/mobileNumber"),
        (1, "/merchantInfo/callbackPrefix"),
    }
    plan = plan_file(source, text, findings)
    assert plan.refused == []
    expected = (
        '{"request": '
        + raw_body.replace('"+47 91 23 45 67"', '"91234567"').replace("http://", "https://")
        + "}\r\n"
        + '{"request": {"postData": {"text": '
        + literal.replace('\\"004791234567\\"', '\\"91234567\\"').replace(
            "http:\\/\\/shop.example.com\\/cb", "https://shop.example.com/cb"
        )
        + "}}}\r\n"
    )
    assert plan.fixed == expected
    second = [
        f
        for request in _reparsed(source, plan.fixed, requests)
        for f in linter.lint_request(request)
        if f.fix is not None
    ]
    assert second == []  # idempotent: nothing left to fix


def _reparsed(source, text, old_requests):
    """The same requests read back from the fixed text (spans found again)."""
    lines = text.split("\r\n")
    raw = json.loads(lines[0])["request"]
    raw_text = lines[0][len('{"request": ') : -1]
    start = lines[1].index('"text": ') + len('"text": ')
    literal = lines[1][start:-3]
    offset = len(lines[0]) + 2
    return [
        Request(
            source=source,
            index=0,
            method="POST",
            url=old_requests[0].url,
            body=raw,
            meta=RequestMeta(_body=BodyText(span=(12, 12 + len(raw_text)))),
        ),
        Request(
            source=source,
            index=1,
            method="POST",
            url=old_requests[1].url,
            body=json.loads(json.loads(literal)),
            meta=RequestMeta(
                _body=BodyText(span=(offset + start, offset + start + len(literal)), embedding="json-string")
            ),
        ),
    ]


def test_requests_without_a_body_span_are_not_fixed_and_say_so(tmp_path, linter):
    from vipps_lint.fixes import plan_file

    source = SourceFile("collection.json", str(tmp_path / "collection.json"))
    request = Request(
        source=source,
        index=3,
        method="POST",
        url="https://api.vipps.no/ecomm/v2/payments",
        body={"merchantInfo": {"callbackPrefix": "http://shop.example.com/cb"}},
        meta=RequestMeta(reader_traits("postman")),
    )
    findings = [f for f in linter.lint_request(request) if f.fix is not None]
    plan = plan_file(source, "{}", findings)
    assert plan.fixed == "{}" and plan.fixed_findings == []
    assert plan.refused == [
        "request #4: 1 fixable problem not fixed: the body holds {{variables}}, and --fix edits a Postman body "
        "only when it has none; apply the hint by hand"
    ]
    request.meta = RequestMeta()  # a reader that records nothing: the generic reason
    assert plan_file(source, "{}", findings).refused == [
        "request #4: 1 fixable problem not fixed: vipps-lint cannot map this body back to the text of the file"
    ]


HTTP_FIXTURE = FIXTURES / "http" / "vipps-payments.http"


def test_http_bodies_with_variables_are_fixed_where_the_value_is_written(tmp_path):
    # The shipped .http file uses {{msn}} and {{amount}} in both bodies; the fixed values are
    # written out in full, so --diff and --fix change them and nothing else.
    target = tmp_path / "payments.http"
    original = HTTP_FIXTURE.read_text(encoding="utf-8").replace("\n", "\r\n")
    target.write_bytes(original.encode("utf-8"))
    expected = original.replace('"callbackPrefix": "http://shop', '"callbackPrefix": "https://shop').replace(
        '"phoneNumber": "+47 912 34 567"', '"phoneNumber": "4791234567"'
    )
    diff = run_cli("check", "--diff", str(target))
    assert diff.returncode == 1
    removed = [
        line for line in diff.stdout.decode().splitlines() if line.startswith("-") and not line.startswith("---")
    ]
    assert [line.strip() for line in removed] == [
        '-    "callbackPrefix": "http://shop.example.com/vipps/callbacks",',
        '-  "customer": {"phoneNumber": "+47 912 34 567"},',
    ]
    assert "Would fix 2 problems in 1 file." in diff.stderr.decode()
    assert "cannot be edited in place" not in diff.stderr.decode() and "not fixed" not in diff.stderr.decode()
    summary = run_cli("check", str(target)).stdout.decode().strip().splitlines()[-1]
    assert "2 fixable with --fix" in summary
    result = run_cli("check", "--fix", str(target))
    assert "Fixed 2 problems in 1 file." in result.stderr.decode(), result.stderr.decode()
    assert target.read_bytes() == expected.encode("utf-8")  # byte for byte: {{variables}} and CRLF kept
    assert "fixable with --fix" not in result.stdout.decode()
    again = run_cli("check", "--fix", str(target))
    assert "No fixes applied." in again.stderr.decode() and target.read_bytes() == expected.encode("utf-8")


TEMPLATED_HTTP = (
    "@cb = http://shop.example.com/cb\n@host = shop.example.com\n@amount = 100\n\n"
    "### initiate\nPOST https://api.vipps.no/ecomm/v2/payments\nContent-Type: application/json\n\n"
    '{"merchantInfo": {"merchantSerialNumber": "123456", "callbackPrefix": "{{cb}}", "fallBack": "http://{{host}}/fb"},\n'
    ' "customerInfo": {"mobileNumber": "+47 91 23 45 67"}, "transaction": {"orderId": "a-1", "amount": '
    '{{amount}}, "transactionText": "x"}}\n'
)


def test_values_that_come_from_variables_are_not_fixed_and_the_message_names_the_variable(tmp_path):
    target = tmp_path / "t.http"
    target.write_text(TEMPLATED_HTTP, encoding="utf-8")
    result = run_cli("check", "--fix", str(target))
    errors = result.stderr.decode()
    assert (
        f'{target}: request #1 "initiate": /merchantInfo/callbackPrefix not fixed: the value comes from {{{{cb}}}}; '
        "change it where that variable is defined" in errors
    )
    assert (
        f'{target}: request #1 "initiate": /merchantInfo/fallBack not fixed: the value is written with {{{{host}}}}, '
        "and --fix replaces only values written out in full; apply the hint by hand" in errors
    )
    assert "Fixed 1 problem in 1 file." in errors
    assert target.read_text(encoding="utf-8") == TEMPLATED_HTTP.replace('"+47 91 23 45 67"', '"91234567"')
    # What is left has a hint, but --fix cannot apply it: the summary does not promise it.
    assert "fixable with --fix" not in result.stdout.decode()


def test_the_summary_counts_only_fixes_that_fix_can_apply(tmp_path):
    body = BAD_ECOM.read_text(encoding="utf-8").replace("\n", " ")
    (tmp_path / "initiate.curl").write_text(
        f"curl -X POST https://api.vipps.no/ecomm/v2/payments -H 'Content-Type: application/json' -d '{body}'\n",
        encoding="utf-8",
    )
    result = run_cli("check", "initiate.curl", cwd=tmp_path)
    assert "Found " in result.stdout.decode() and "fixable" not in result.stdout.decode()
    fix = run_cli("check", "--fix", "initiate.curl", cwd=tmp_path)
    assert "not fixed: --fix does not rewrite the body of a curl command; apply the hint by hand" in fix.stderr.decode()
    shutil.copy(BAD_ECOM, tmp_path / "body.json")
    result = run_cli("check", "--format", "concise", ".", cwd=tmp_path)
    assert result.stdout.decode().strip().splitlines()[-1].endswith(" 3 fixable with --fix (see them with --diff).")


def test_fix_through_a_symbolic_link_fixes_the_file_it_points_to(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "body.json"
    shutil.copy(BAD_ECOM, target)
    link = tmp_path / "link.json"
    link.symlink_to(os.path.join("real", "body.json"))
    result = run_cli("check", "--fix", "link.json", cwd=tmp_path)
    assert "Fixed 3 problems in 1 file." in result.stderr.decode(), result.stderr.decode()
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "body.json")
    assert target.read_text(encoding="utf-8") == BAD_ECOM.read_text(encoding="utf-8").replace('"http://', '"https://')
    assert sorted(os.listdir(tmp_path / "real")) == ["body.json"]


def test_http_bodies_with_variables_are_fixed_after_a_run_in_worker_processes(tmp_path, monkeypatch):
    from vipps_lint import workers

    # --jobs uses workers from a few files on, as from hundreds (they are forked from this
    # process, so they see the lowered threshold): the same path, without 500 files to lint.
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 8)
    files = workers.PARALLEL_MIN_FILES + 1
    for number in range(files):  # enough files for --jobs to use workers
        shutil.copy(HTTP_FIXTURE, tmp_path / f"payments-{number:02}.http")
    summary = run_cli("check", "--jobs", "2", "--format", "concise", ".", cwd=tmp_path).stdout.decode().splitlines()[-1]
    assert summary.endswith(f" {2 * files} fixable with --fix (see them with --diff)."), summary
    result = run_cli("check", "--jobs", "2", "--fix", "--format", "concise", ".", cwd=tmp_path)
    assert f"Fixed {2 * files} problems in {files} files." in result.stderr.decode(), result.stderr.decode()
    assert '"phoneNumber": "4791234567"' in (tmp_path / "payments-07.http").read_text(encoding="utf-8")


def test_https_fix_changes_only_the_scheme_and_keeps_a_tab_or_line_break_as_written(tmp_path):
    # urlunsplit drops tabs and line breaks inside a URL: a fix built with it changed more
    # than it said it did.
    body = json.loads(BAD_ECOM.read_text(encoding="utf-8"))
    body["merchantInfo"]["callbackPrefix"] = "  http://shop.example.com/vipps\tcallbacks\n"
    path = tmp_path / "body.json"
    path.write_text(json.dumps(body, indent=2), encoding="utf-8")
    result = run_cli("check", "--fix", "body.json", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr.decode()
    fixed = json.loads(path.read_text(encoding="utf-8"))
    assert fixed["merchantInfo"]["callbackPrefix"] == "  https://shop.example.com/vipps\tcallbacks\n"
