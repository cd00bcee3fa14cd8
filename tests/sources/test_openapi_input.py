"""OpenAPI documents as input (`check openapi.yaml`) and `check --spec FILE`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli, run_json

# Every finding vipps-lint reports on the request examples of the newest official specs
# (../shared/vipps-specs-2026, the files specs/sources.yaml builds from), and why each is a
# real inconsistency in the spec (none is a vipps-lint bug). (file, line, rule, pointer).
VENDOR_EXAMPLE_FINDINGS = {
    # Recurring 3.1.2 and ePayment 1.8.1: the examples' phone number 4712345678 lies outside the
    # Norwegian mobile ranges (47 + 4xxxxxxx or 9xxxxxxx): the API takes the format, no user has it.
    *(
        ("recurring-v3-3.1.2.coretrek-2025-10.yaml", line, "recurring-phone-mobile-range", "/phoneNumber")
        for line in (121, 139, 161, 183, 213, 239, 252, 268)
    ),
    ("epayment-v1-1.8.1.vipps-js-2026-04.yaml", 630, "epayment-phone-mobile-range", "/customer/phoneNumber"),
    ("epayment-v1-1.8.1.vipps-js-2026-04.yaml", 660, "epayment-phone-mobile-range", "/customer/phoneNumber"),
    # v3 examples still send initialCharge.currency, a v2 field that InitialChargeV3 does not have.
    *(
        ("recurring-v3-3.1.2.coretrek-2025-10.yaml", line, "schema-unknown-property", "/initialCharge/currency")
        for line in (143, 193, 222)
    ),
    # A campaign date written 2022/12/25T00:00:00Z: the schema says format date-time (RFC 3339: 2022-12-25).
    ("recurring-v3-3.1.2.coretrek-2025-10.yaml", 218, "schema-format", "/campaign/eventDate"),
    # Dates that have passed: a charge due 2018-10-01, a payment expiring 2024-05-01 (as of 2026-11-29).
    ("recurring-v3-3.1.2.coretrek-2025-10.yaml", 466, "recurring-charge-due", "/due"),
    ("epayment-v1-1.8.1.vipps-js-2026-04.yaml", 634, "epayment-expires-at-window", "/expiresAt"),
    # ePayment's x-example "with order lines" sends receipt.bottomLine as a list; BottomLine is an object.
    ("epayment-v1-1.8.1.vipps-js-2026-04.yaml", 640, "schema-type", "/receipt/bottomLine"),
    # QR 1.0: the exchange example leaves out requestedData, which its schema requires (and gives
    # the default [MSISDN]: the shipped schema accepts it, see specs/overlay.yaml; a document read
    # as input is judged by its own schemas).
    ("qr-v1-1.0.yaml", 447, "schema-required", "/requestedData"),
    # Bodies assembled from the properties' own `example:` values (no example of the whole body),
    # reported at the `example:` the value came from:
    # eCom's mobileNumber example is the YAML number 91234567 where the schema says string;
    # Management's businessIdentifier.id example has 10 digits where the pattern wants 9.
    ("ecom-v2-2.0.3.yaml", 1526, "schema-type", "/customerInfo/mobileNumber"),
    ("management-v1-1.1.6.yaml", 1229, "schema-pattern", "/businessIdentifier/id"),
    # Recurring's PATCH agreement: its properties' examples put status STOPPED beside the fields
    # an update changes, which a stop must not carry. (No single example in the spec does; this is
    # what the assembled body shows, reported at the media type.)
    ("recurring-v3-3.1.2.coretrek-2025-10.yaml", 346, "recurring-stop-alone", ""),
}
# Recurring v2 (in the old v2+v3 file) is discontinued: its examples are not today's API.
NOT_LINTED = {"recurring-v2-v3-2.6.17.yaml"}


def _newest_specs(shared_dir, tmp_path) -> list[str]:
    import shutil

    import yaml

    from vipps_lint.data import specs_dir

    collection = shared_dir / "vipps-specs-2026"
    entries = yaml.safe_load((specs_dir() / "sources.yaml").read_text(encoding="utf-8"))["specs"]
    paths = []
    for entry in entries:
        if Path(entry["file"]).name in NOT_LINTED:
            continue
        if entry.get("refs"):  # eCom refers to ms_import.yaml by its original name: give it that name
            for referenced, stored in entry["refs"].items():
                shutil.copyfile(collection / stored, tmp_path / referenced)
            shutil.copyfile(collection / entry["file"], tmp_path / Path(entry["file"]).name)
            paths.append(str(tmp_path / Path(entry["file"]).name))
        else:
            paths.append(str(collection / entry["file"]))
    return paths


def test_the_newest_specs_examples_have_exactly_the_known_inconsistencies(shared_dir, tmp_path):
    # Dated rules are checked as of a fixed day; the lifecycle of the APIs is not the examples' business.
    status, report = run_json("--as-of", "2026-11-29", "--ignore", "api-", *_newest_specs(shared_dir, tmp_path))
    assert report["errors"] == []
    assert report["summary"]["requests"] == 53
    found = {(Path(f["file"]).name, f["line"], f["rule"], f["pointer"]) for f in report["findings"]}
    assert found == VENDOR_EXAMPLE_FINDINGS
    assert len(report["findings"]) == len(found)  # nothing reported twice (an example repeated per media type)


SPEC = """\
openapi: 3.0.3
info: {title: eCom, version: 2.1.0}
servers: [{url: https://api.vipps.no}]
paths:
  /ecomm/v2/payments:
    post:
      operationId: initiatePayment
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [merchantInfo, transaction]
              properties:
                merchantInfo: {type: object}
                transaction:
                  type: object
                  properties:
                    orderId: {type: string, maxLength: 30}
                    amount: {type: integer}
                    transactionText: {type: string}
                    newField: {type: string}
            examples:
              long:
                $ref: '#/components/examples/LongOrderId'
components:
  examples:
    LongOrderId:
      value:
        merchantInfo: {merchantSerialNumber: "123456", callbackPrefix: "http://example.com/cb", fallBack: "https://example.com/fb"}
        transaction: {orderId: "acme-shop-123-order-2024-0001-extra", amount: 100, transactionText: Socks, newField: x}
"""


@pytest.fixture
def spec(tmp_path) -> Path:
    path = tmp_path / "my-ecom.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return path


def test_examples_are_linted_with_positions_in_the_yaml(spec):
    status, report = run_json(str(spec))
    assert status == 1 and report["errors"] == []
    found = {(f["rule"], f["pointer"], f["line"], f["column"]) for f in report["findings"]}
    # A $ref'd example, linted against the rules of the Vipps operation its path routes to and
    # against the schema *this document* gives the operation (orderId: maxLength 30, newField
    # known, customerInfo not required) — not the shipped eCom schema.
    assert found == {
        ("ecom-callback-https", "/merchantInfo/callbackPrefix", 30, 72),
        ("schema-length", "/transaction/orderId", 31, 32),
    }
    assert report["findings"][0]["request"]["operation"] == "ecom-v2:initiatePaymentV3UsingPOST"


def test_spec_option_validates_against_the_given_spec_instead(spec):
    status, report = run_json("--spec", str(spec), str(spec))
    found = {(f["rule"], f["pointer"]) for f in report["findings"]}
    assert ("schema-length", "/transaction/orderId") in found  # maxLength 30 in the given spec
    assert ("schema-unknown-property", "/transaction/newField") not in found
    assert ("schema-required", "/customerInfo") not in found
    assert report["findings"][0]["request"]["operation"] == "ecom-v2:initiatePayment"
    # Bodies for APIs the given spec does not describe still use the shipped schemas.
    _, report = run_json("--spec", str(spec), str(FIXTURES / "schema" / "recurring-v3-bad.json"))
    assert [(f["rule"], f["pointer"]) for f in report["findings"]] == [("schema-enum", "/pricing/currency")]


def test_yaml_files_that_are_not_openapi_are_skipped_in_directories_and_explained_when_named(tmp_path, spec):
    (tmp_path / "ci.yaml").write_text("jobs: {test: {runs-on: ubuntu-latest}}\n", encoding="utf-8")
    status, report = run_json(str(tmp_path))
    assert report["errors"] == [] and report["summary"]["files"] == 1
    result = run_cli("check", str(tmp_path / "ci.yaml"))
    assert result.returncode == 2
    assert (
        result.stderr.decode().strip()
        == f"{tmp_path / 'ci.yaml'}:1:1: not an OpenAPI 3 document: no top-level 'openapi: 3.x' key"
    )


# modes: how the document is used — as input ("input"), as --spec ("spec").
@pytest.mark.parametrize(
    "text, expected, modes",
    [
        (
            SPEC.replace("    post:\n", "    post:\n      operationId: again\n", 1),
            ":8:7: duplicate key 'operationId'",
            ("input", "spec"),
        ),
        (
            SPEC.replace("'#/components/examples/LongOrderId'", "'#/components/examples/Nope'"),
            ":25:23: $ref '#/components/examples/Nope' points to nothing",
            ("input",),
        ),
        (
            SPEC.replace(
                "properties:\n                    orderId",
                "properties:\n                    orderId: {$ref: 'other.yaml#/Id'}\n                    x",
            ),
            ":19:37: $ref 'other.yaml#/Id' cannot be read: ",
            ("spec",),
        ),
        (
            SPEC.replace("openapi: 3.0.3", "openapi: 4.0.0"),
            ":1:10: unsupported OpenAPI version '4.0.0'",
            ("input", "spec"),
        ),
    ],
)
def test_bad_openapi_input_is_one_clear_line_and_exit_2(tmp_path, text, expected, modes):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    good = FIXTURES / "schema" / "ecom-v2-good.json"
    runs = {"input": ["check", str(path), str(good)], "spec": ["check", "--spec", str(path), str(good)]}
    runs = [runs[mode] for mode in modes]
    for args in runs:
        result = run_cli(*args)
        error = result.stderr.decode()
        assert result.returncode == 2, error
        assert "Traceback" not in error
        assert error.strip().startswith(f"{path}{expected}"), error
        assert len(error.strip().splitlines()) == 1


def test_openapi_json_documents_are_read_too(tmp_path, spec):
    import yaml

    path = tmp_path / "spec.json"
    path.write_text(json.dumps(yaml.safe_load(SPEC)), encoding="utf-8")
    status, report = run_json(str(path))
    assert report["errors"] == []
    assert ("ecom-callback-https", "/merchantInfo/callbackPrefix") in {
        (f["rule"], f["pointer"]) for f in report["findings"]
    }


def test_an_example_from_another_file_is_shown_where_this_file_brings_it_in(tmp_path):
    (tmp_path / "examples.yaml").write_text(
        "LongOrderId:\n  value:\n    merchantInfo: {callbackPrefix: 'http://example.com/cb'}\n", encoding="utf-8"
    )
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        SPEC.replace("'#/components/examples/LongOrderId'", "'examples.yaml#/LongOrderId'"), encoding="utf-8"
    )
    _, report = run_json(str(spec))
    assert report["errors"] == []
    found = {(f["rule"], f["pointer"], f["file"], f["line"]) for f in report["findings"]}
    assert (
        "ecom-callback-https",
        "/merchantInfo/callbackPrefix",
        str(spec),
        11,
    ) in found  # the media type object that $refs it


OWN_LIMIT = """\
openapi: 3.0.3
info: {title: Mine, version: 1.0.0}
servers: [{url: https://api.vipps.no}]
paths:
  /epayment/v1/payments:
    post:
      operationId: createPayment
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                reference: {type: string, maxLength: 3}
            example:
              reference: toolong
"""


def _findings(*args) -> tuple[int, set, list]:
    status, report = run_json(*args)
    return status, {(f["rule"], f["pointer"], f["line"], f["message"]) for f in report["findings"]}, report["errors"]


def test_an_example_is_judged_by_its_own_documents_schema_as_with_spec(tmp_path):
    path = tmp_path / "own.yaml"
    path.write_text(OWN_LIMIT, encoding="utf-8")
    status, found, errors = _findings(str(path))
    # The shipped ePayment schema would say "at least 8 are required" and want amount, userFlow…
    assert found == {("schema-length", "/reference", 16, "reference is 7 characters; at most 3 are allowed")}
    assert status == 1 and errors == []
    assert _findings("--spec", str(path), str(path)) == (status, found, errors)
    # The document's own schema wins over another --spec for its own examples.
    other = tmp_path / "other.yaml"
    other.write_text(OWN_LIMIT.replace("maxLength: 3", "maxLength: 30"), encoding="utf-8")
    assert _findings("--spec", str(other), str(path)) == (status, found, errors)


BROKEN = """\
openapi: 3.0.3
info: {title: Mine, version: 1.0.0}
paths:
  /epayment/v1/payments:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Nope'}
            example: {reference: abc, returnUrl: 'http://example.com/r'}
  /epayment/v1/payments/{reference}/capture:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/A'}
            example: {modificationAmount: {value: 1, currency: NOK}}
  /epayment/v1/payments/{reference}/refund:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/A'}
            example: {modificationAmount: {value: 1, currency: NOK}}
  /epayment/v1/payments/{reference}/cancel:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {cancelTransactionOnly: {type: boolean}}
            example: {cancelTransactionOnly: 'yes'}
components:
  schemas:
    A: {$ref: '#/components/schemas/B'}
    B: {allOf: [{$ref: '#/components/schemas/A'}]}
"""


def test_broken_or_cyclic_refs_in_the_documents_schemas_are_input_errors_and_the_rest_is_linted(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    result = run_cli("check", str(path))
    assert result.returncode == 2
    errors = result.stderr.decode().strip().splitlines()
    assert errors == [  # the cycle two operations share is reported once
        f"{path}:9:28: $ref '#/components/schemas/Nope' points to nothing",
        f"{path}:37:24: $ref '#/components/schemas/A' makes a cycle that never reaches a value: the schema "
        "refers to itself",
    ]
    status, report = run_json(str(path))
    assert status == 2 and len(report["errors"]) == 2 and report["summary"]["requests"] == 4
    found = {(f["rule"], f["pointer"]) for f in report["findings"]}
    # The rules still apply to the example whose schema is broken (not the shipped schema:
    # no "at least 8 characters" for reference), and the other operations are validated.
    assert found == {("epayment-return-url", "/returnUrl"), ("schema-type", "/cancelTransactionOnly")}


PETS = """\
openapi: 3.1.0
info: {title: Pet Store, version: 1.0.0}
servers: [{url: https://petstore.example.com/api}]
paths:
  /pets:
    post:
      operationId: createPet
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string}
                age: {type: integer, minimum: 0}
            examples:
              good: {value: {name: Rex, age: 3}}
              bad: {value: {name: Rex, age: -1}}
"""


def test_examples_of_a_non_vipps_document_are_validated_against_its_own_schemas(tmp_path):
    path = tmp_path / "pets.yaml"
    path.write_text(PETS, encoding="utf-8")
    status, report = run_json(str(path))
    assert report["errors"] == [] and report["summary"]["requests"] == 2
    schema = [
        (f["rule"], f["pointer"], f["line"], f["request"]["index"])
        for f in report["findings"]
        if f["rule"].startswith("schema")
    ]
    assert schema == [("schema-range", "/age", 19, 1)]
    assert status == 1
    # Its paths are its own API's, not mistyped Vipps paths: no "did you mean" for each example.
    assert [f for f in report["findings"] if f["rule"] == "route-unknown-path"] == []


def test_the_documents_schemas_are_derived_once_per_operation_and_compiled_once(tmp_path):
    from vipps_lint.checks.schema import SchemaCheck
    from vipps_lint.models import SourceFile
    from vipps_lint.sources import ReadOptions
    from vipps_lint.sources.openapi_doc import read

    path = tmp_path / "pets.yaml"
    path.write_text(PETS, encoding="utf-8")
    requests = list(read(SourceFile(str(path), str(path)), ReadOptions()))
    assert len(requests) == 2
    own = requests[0].meta.document_schema
    assert requests[1].meta.document_schema is own
    assert own.schema["properties"]["age"] == {"type": "integer", "minimum": 0}
    assert requests[0].meta.document_operation.id == "pet-store-v1:createPet"
    check = SchemaCheck()
    assert list(check.check(requests[0])) == []
    compiled = own.compiled
    assert compiled is not None and compiled._validator is None  # the fast predicate was enough
    assert [problem.pointer for problem in check.check(requests[1])] == ["/age"]
    assert own.compiled is compiled and check._compiled == {}  # nothing from schemas/ was loaded


def test_a_broken_example_ref_is_reported_and_the_other_examples_are_still_linted(tmp_path):
    path = tmp_path / "pets.yaml"
    path.write_text(
        PETS.replace("good: {value: {name: Rex, age: 3}}", "good: {$ref: '#/components/examples/Nope'}"),
        encoding="utf-8",
    )
    status, report = run_json(str(path))
    assert [error["message"] for error in report["errors"]] == ["$ref '#/components/examples/Nope' points to nothing"]
    assert [(f["rule"], f["pointer"]) for f in report["findings"] if f["rule"].startswith("schema")] == [
        ("schema-range", "/age")
    ]
    assert status == 2


def test_openapi_documents_come_through_jobs_workers(tmp_path, monkeypatch):
    from vipps_lint import workers

    # --jobs uses workers from a few files on, as from hundreds (they are forked from this
    # process, so they see the lowered threshold): the same path, without 500 files to lint.
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 8)
    for number in range(workers.PARALLEL_MIN_FILES + 2):
        (tmp_path / f"pets{number}.yaml").write_text(PETS, encoding="utf-8")
    one = run_cli("check", "--format", "json", "--jobs", "1", ".", cwd=tmp_path)
    two = run_cli("check", "--format", "json", "--jobs", "2", ".", cwd=tmp_path)
    assert b"Traceback" not in two.stderr
    assert one.stdout == two.stdout and one.returncode == two.returncode == 1
    assert b"schema-range" in two.stdout
