"""`vipps-lint schemas build`: the shipped schemas/ are exactly what the official specs give,
the OpenAPI semantics are right, and broken specs are clear errors (exit 2, file:line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, run_cli


def build_args(specs_dir: Path, out: Path) -> list[str]:
    return ["schemas", "build", str(specs_dir), "--out", str(out)]


def _tree(directory: Path) -> dict[str, bytes]:
    return {path.relative_to(directory).as_posix(): path.read_bytes() for path in sorted(directory.rglob("*.json"))}


def test_rebuilding_from_the_newest_specs_changes_nothing(shared_dir, tmp_path):
    result = run_cli(*build_args(shared_dir / "vipps-specs-2026", tmp_path))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    shipped = _tree(REPO / "schemas")
    shipped.pop("rule-file.schema.json")  # hand-written, not built
    built = _tree(tmp_path)
    assert sorted(built) == sorted(shipped)
    for name in built:
        assert built[name] == shipped[name], (
            f"{name} differs: rebuild with `vipps-lint schemas build ../shared/vipps-specs-2026 --out schemas`"
        )
    again = run_cli(*build_args(shared_dir / "vipps-specs-2026", tmp_path))
    assert b"; 0 files changed" in again.stdout


NEWEST = {
    "epayment-v1": "1.8.1",
    "recurring-v3": "3.1.2",
    "checkout-v3": "v3",
    "webhooks-v1": "v1",
    "ecom-v2": "2.0.3",
    "order-management-v2": "2.1",
    "management": "1.1.6",
    "access-token": "2.0.0",
    "login-v1": "1.1.0",
    "userinfo": "1.1.0",
    "qr-v1": "1.0",
    "report-v2": "2.0",
    "psp-v3": "1.0.21",
    "psp-signup-v1": "1.1.7",
    "partner-v2": "2.0.0",
    "recurring-v2": "2.6.17",
}


def test_the_index_records_each_apis_newest_spec_with_its_provenance(shared_dir):
    import csv
    import hashlib

    index = json.loads((REPO / "schemas" / "index.json").read_text(encoding="utf-8"))
    assert {api: facts["version"] for api, facts in index["apis"].items()} == NEWEST
    provenance = {
        Path(row["file"]).name: row
        for row in csv.DictReader(
            (shared_dir / "vipps-specs-2026" / "provenance.tsv").read_text(encoding="utf-8").splitlines(),
            delimiter="\t",
        )
    }
    for api, facts in index["apis"].items():
        row = provenance[facts["spec"]]
        assert facts["sha256"] == row["sha256"], api
        assert facts["date"] == row["commit_date"][:10], api
        assert facts["source"].startswith(row["source_repo"]) and facts["source"].endswith(row["commit"]), api
        copy = shared_dir / "vipps-specs-2026" / row["file"]
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == facts["sha256"]
    assert index["apis"]["checkout-v3"]["date"] == "2025-10-15"
    assert index["apis"]["epayment-v1"]["prefixes"] == ["/epayment/v1/"]
    assert index["apis"]["access-token"]["prefixes"] == ["/accesstoken/", "/miami/v1/"]
    # Announced, not yet in a spec: applied from specs/overlay.yaml, and said so.
    create = _load("epayment-v1/createPayment.json")
    assert create["$defs"]["Shipping"]["properties"]["allowedCountries"] == {
        "type": "array",
        "items": {"type": "string"},
    }
    assert "6280" in index["apis"]["epayment-v1"]["announced"]["errorCodes"]
    announced = [entry for entry in index["operations"] if entry.get("announced")]
    assert {entry["path"] for entry in announced} == {
        "/management/v2/product-orders",
        "/management/v2/product-orders/{productOrderId}/details",
    }


def test_every_shipped_api_has_schemas_and_the_index_points_at_them():
    index = json.loads((REPO / "schemas" / "index.json").read_text(encoding="utf-8"))
    apis = {entry["api"] for entry in index["operations"]}
    assert apis == set(NEWEST)
    with_schema = [entry for entry in index["operations"] if entry["schema"]]
    # Login, Userinfo, Report and the access-token calls take forms or no body: no JSON schema.
    assert {entry["api"] for entry in with_schema} == apis - {"login-v1", "userinfo", "report-v2", "access-token"}
    for entry in index["operations"]:
        if entry["schema"]:
            assert entry["hasBody"]
            schema = json.loads((REPO / "schemas" / entry["schema"]).read_text(encoding="utf-8"))
            assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
            keywords = set(_keywords(schema))
            for prose in (
                "description",
                "example",
                "examples",
                "title",
                "nullable",
                "discriminator",
                "readOnly",
                "default",
            ):
                assert prose not in keywords, (entry["schema"], prose)
    # Recurring v2 comes from the old v2+v3 file, v3 from the 3.1.2 bundle: split by path.
    recurring = {
        entry["spec"]: {entry["path"].split("/")[2]}
        for entry in index["operations"]
        if entry["api"].startswith("recurring")
    }
    assert recurring == {"recurring-v2-v3-2.6.17.yaml": {"v2"}, "recurring-v3-3.1.2.coretrek-2025-10.yaml": {"v3"}}


def _keywords(schema):
    """Every keyword used anywhere in a schema (property names are not keywords)."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            yield key
            children = (
                value.values()
                if key in ("properties", "$defs", "patternProperties") and isinstance(value, dict)
                else [value]
            )
            for child in children:
                yield from _keywords(child)
    elif isinstance(schema, list):
        for item in schema:
            yield from _keywords(item)


def _load(name: str) -> dict:
    return json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))


def test_openapi_semantics_in_the_shipped_schemas():
    from jsonschema import Draft202012Validator

    ecom = _load("ecom-v2/initiatePaymentV3UsingPOST.json")
    assert ecom["$defs"]["CustomerInfo"]["properties"]["mobileNumber"]["pattern"] == "^\\d{8}$"
    assert ecom["$defs"]["MerchantInfo"]["additionalProperties"] is False  # unknown properties are reported
    checkout = _load("checkout-v3/postSession.json")
    # `allOf: [$ref], nullable: true` → the referenced object or null.
    validator = Draft202012Validator(checkout)
    base = {
        "type": "PAYMENT",
        "merchantInfo": {
            "callbackUrl": "https://example.com/cb",
            "returnUrl": "https://example.com/r",
            "callbackAuthorizationToken": "x",
        },
        "transaction": {
            "amount": {"value": 1000, "currency": "NOK"},
            "reference": "order-1234",
            "paymentDescription": "Socks",
        },
    }
    assert validator.is_valid({**base, "logistics": None}), list(validator.iter_errors({**base, "logistics": None}))
    # 3.1.2 removed countryCode from the request (July 2025), and takes NOK, EUR and DKK.
    recurring = _load("recurring-v3/DraftAgreementV3.json")
    assert "countryCode" not in recurring["$defs"]["DraftAgreementV3"]["properties"]
    # discriminator: the oneOf stays, the keyword goes.
    assert recurring["$defs"]["CurrencyV3"]["enum"] == ["NOK", "EUR", "DKK"]
    assert "oneOf" in recurring["$defs"]["campaignV3"]


def test_yaml_1_2_booleans_only(tmp_path):
    # Recurring's responses have `enum: [NO, DK, FI]`: country codes, not YAML 1.1's false.
    spec = _spec(tmp_path, "{type: object, properties: {countryCode: {type: string, enum: [NO, DK, FI]}}}")
    assert _build(tmp_path, spec).returncode == 0
    schema = json.loads((tmp_path / "out" / "test-v1" / "createThing.json").read_text())
    assert schema["properties"]["countryCode"]["enum"] == ["NO", "DK", "FI"]


SPEC_HEAD = (
    "openapi: 3.0.3\ninfo: {title: Test, version: '1'}\npaths:\n  /v1/things:\n    post:\n      operationId: "
    "createThing\n"
)


def _spec(tmp_path: Path, schema_yaml: str, components: str = "", name: str = "spec.yaml") -> Path:
    body = "      requestBody:\n        content:\n          application/json:\n            schema:\n" + "".join(
        f"              {line}\n" for line in schema_yaml.splitlines()
    )
    text = (
        SPEC_HEAD
        + body
        + (
            ("components:\n  schemas:\n" + "".join(f"    {line}\n" for line in components.splitlines()))
            if components
            else ""
        )
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _build(tmp_path: Path, *specs: Path):
    return run_cli("schemas", "build", *map(str, specs), "--out", str(tmp_path / "out"))


def test_conversion_details(tmp_path):
    spec = _spec(
        tmp_path,
        "$ref: '#/components/schemas/Thing'",
        """\
Thing:
  type: object
  description: prose goes
  required: [id, name, amount]
  properties:
    id: {type: string, readOnly: true}
    name: {type: string, nullable: true, example: Socks, maxLength: 10}
    amount: {type: integer, minimum: 0, exclusiveMinimum: true, format: int32}
    kind: {type: string, enum: [a, b], nullable: true, x-vendor: 1}
    children: {type: array, items: {$ref: '#/components/schemas/Thing'}}
    extra:
      allOf: [{$ref: '#/components/schemas/Base'}]
      properties: {more: {type: boolean}}
Base:
  type: object
  properties: {base: {type: string, format: double}}
""",
    )
    result = _build(tmp_path, spec)
    assert result.returncode == 0, result.stderr.decode()
    schema = json.loads((tmp_path / "out" / "test-v1" / "createThing.json").read_text())
    thing = schema["$defs"]["Thing"]
    assert "id" not in thing["properties"] and thing["required"] == ["name", "amount"]  # readOnly dropped
    assert thing["properties"]["name"] == {"type": ["string", "null"], "maxLength": 10}
    assert thing["properties"]["amount"] == {"type": "integer", "exclusiveMinimum": 0, "format": "int32"}
    assert thing["properties"]["kind"] == {"type": ["string", "null"], "enum": ["a", "b", None]}
    assert thing["properties"]["children"]["items"] == {"$ref": "#/$defs/Thing"}  # recursion stays finite
    assert thing["properties"]["extra"] == {
        "type": "object",
        "additionalProperties": False,
        "properties": {"more": {"type": "boolean"}, "base": {"type": "string"}},
    }
    assert thing["additionalProperties"] is False
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert index["operations"][0]["schema"] == "test-v1/createThing.json"
    assert index["operations"][0]["path"] == "/v1/things"


def test_refs_across_files(tmp_path):
    (tmp_path / "shared.yaml").write_text(
        "components:\n  schemas:\n    Money: {type: integer, minimum: 1}\n", encoding="utf-8"
    )
    spec = _spec(tmp_path, "type: object\nproperties:\n  amount: {$ref: 'shared.yaml#/components/schemas/Money'}")
    result = _build(tmp_path, spec)
    assert result.returncode == 0, result.stderr.decode()
    schema = json.loads((tmp_path / "out" / "test-v1" / "createThing.json").read_text())
    assert schema["$defs"] == {"Money": {"type": "integer", "minimum": 1}}


@pytest.mark.parametrize(
    "case, expected",
    [
        ("not-openapi", "spec.yaml:1:1: not an OpenAPI 3 document: no top-level 'openapi: 3.x' key"),
        ("broken-ref", "spec.yaml:11:21: $ref '#/components/schemas/Missing' points to nothing"),
        ("missing-file", "spec.yaml:11:21: $ref 'nowhere.yaml#/X' cannot be read: "),
        ("cycle", "spec.yaml:15:24: $ref '#/components/schemas/A' makes a cycle that never reaches a value"),
        ("duplicate-key", "spec.yaml:7:3: duplicate key '/v1/things'"),
    ],
)
def test_broken_specs_are_one_clear_line_and_exit_2(tmp_path, case, expected):
    if case == "not-openapi":
        spec = tmp_path / "spec.yaml"
        spec.write_text("rules: []\n", encoding="utf-8")
    elif case == "broken-ref":
        spec = _spec(tmp_path, "$ref: '#/components/schemas/Missing'")
    elif case == "missing-file":
        spec = _spec(tmp_path, "$ref: 'nowhere.yaml#/X'")
    elif case == "cycle":
        spec = _spec(
            tmp_path,
            "$ref: '#/components/schemas/A'",
            "A: {$ref: '#/components/schemas/B'}\nB: {allOf: [{$ref: '#/components/schemas/A'}]}",
        )
    else:
        spec = tmp_path / "spec.yaml"
        spec.write_text(SPEC_HEAD + "  /v1/things:\n    get: {}\n", encoding="utf-8")
    result = _build(tmp_path, spec)
    error = result.stderr.decode()
    assert result.returncode == 2, error
    assert "Traceback" not in error
    assert len(error.strip().splitlines()) == 1, error
    assert expected in error
    assert not (tmp_path / "out").exists()


def test_building_into_schemas_keeps_hand_written_files_and_removes_stale_ones(tmp_path):
    out = tmp_path / "out"
    (out / "test-v1").mkdir(parents=True)
    (out / "rule-file.schema.json").write_text('{"hand": "written"}\n', encoding="utf-8")
    (out / "test-v1" / "removedOperation.json").write_text("{}\n", encoding="utf-8")
    spec = _spec(tmp_path, "type: object\nproperties: {name: {type: string}}")
    result = _build(tmp_path, spec)
    assert result.returncode == 0, result.stderr.decode()
    assert (out / "rule-file.schema.json").read_text(encoding="utf-8") == '{"hand": "written"}\n'
    assert sorted(path.name for path in (out / "test-v1").iterdir()) == ["createThing.json"]


def test_api_coverage_doc_is_current():
    from vipps_lint.checks.lifecycle import statuses
    from vipps_lint.checks.rules import load_rules
    from vipps_lint.openapi.coverage import render

    index = json.loads((REPO / "schemas" / "index.json").read_text(encoding="utf-8"))
    expected = render(index, load_rules()[0], statuses())
    shipped = (REPO / "docs" / "api-coverage.md").read_text(encoding="utf-8")
    assert shipped == expected, (
        "regenerate: vipps-lint schemas build ../shared/vipps-specs-2026 --out schemas --coverage docs/api-coverage.md"
    )
    for api in index["apis"]:
        assert f"\n| {api} | " in shipped
    assert "| epayment-v1 | 1.8.1 | 2026-04-21 |" in shipped
    assert (
        "| recurring-v2 | 2.6.17 | 2023-12-07 | vippsas/vipps-recurring-api docs/openapi.yaml | retired since "
        "2023-11-01" in shipped
    )


def test_the_build_writes_the_coverage_doc(shared_dir, tmp_path):
    result = run_cli(
        *build_args(shared_dir / "vipps-specs-2026", tmp_path / "schemas"), "--coverage", str(tmp_path / "coverage.md")
    )
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "coverage.md").read_bytes() == (REPO / "docs" / "api-coverage.md").read_bytes()


def test_bundle_urls_are_fetched_https_only_and_recorded_as_read(shared_dir, tmp_path, monkeypatch):
    """`schemas build URL` and `--from-site` fetch the developer site's bundles (offline here:
    urlopen answers from the shared copies). The index records the manifest's provenance only
    when the bytes are the ones it names; otherwise the URL and the sha256 of what was read."""
    import hashlib
    import io
    import urllib.request

    import yaml

    from vipps_lint.data import specs_dir
    from vipps_lint.openapi.build import build
    from vipps_lint.openapi.documents import SpecError
    from vipps_lint.openapi.sources import Manifest, resolve_inputs

    manifest = Manifest.load()
    bundles = {
        entry["bundle"]: shared_dir / "vipps-specs-2026" / entry["file"]
        for entry in manifest.specs
        if entry.get("bundle")
    }
    assert len(bundles) == 6  # ePayment, Recurring, Checkout, Webhooks, Access token, Login
    newer = (
        b"openapi: 3.0.0\ninfo: {title: ePayment API, version: 1.9.0}\nservers: [{url: "
        b"https://api.vipps.no/epayment}]\npaths: {}\n"
    )
    served = {url: path.read_bytes() for url, path in bundles.items()}
    epayment_url = "https://developer.vippsmobilepay.com/redocusaurus/epayment-swagger-id.yaml"
    fetched = []

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

    def urlopen(url, timeout):
        fetched.append(url)
        return Response(served[url])

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    inputs = resolve_inputs([str(shared_dir / "vipps-specs-2026")], from_site=True, download_dir=tmp_path)
    assert sorted(fetched) == sorted(bundles)
    result = build(inputs)
    assert result.apis["epayment-v1"]["source"].startswith(
        "vipps-friends/vipps-js"
    )  # same bytes: the manifest's provenance
    assert result.apis["ecom-v2"]["spec"] == "ecom-v2-2.0.3.yaml"  # no bundle URL known: the local copy
    served[epayment_url] = newer
    [item] = resolve_inputs([epayment_url], from_site=False, download_dir=tmp_path)
    provenance = item.provenance()
    assert provenance == {"source": epayment_url, "date": None, "sha256": hashlib.sha256(newer).hexdigest()}
    with pytest.raises(SpecError, match="only https:// URLs are fetched"):
        resolve_inputs(["http://developer.vippsmobilepay.com/redocusaurus/epayment-swagger-id.yaml"], False, tmp_path)
    assert yaml.safe_load((specs_dir() / "sources.yaml").read_text(encoding="utf-8"))["specs"]


def test_a_directory_not_laid_out_like_the_collection_is_one_clear_error(tmp_path):
    result = run_cli("schemas", "build", str(tmp_path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "is not laid out like the collection specs/sources.yaml describes" in result.stderr.decode()


def test_the_overlay_fails_once_a_spec_has_what_it_adds(tmp_path):
    spec = _spec(tmp_path, "{type: object, properties: {name: {type: string}}}")
    overlay = tmp_path / "overlay.yaml"
    entry = (
        "schemas:\n  - {api: test-v1, operation: createThing, op: add, path: /properties/%s, value: {type: integer},"
        " source: 'changelog, May 2026'}\n"
    )
    overlay.write_text(entry % "count", encoding="utf-8")
    result = run_cli("schemas", "build", str(spec), "--out", str(tmp_path / "out"), "--overlay", str(overlay))
    assert result.returncode == 0, result.stderr.decode()
    built = json.loads((tmp_path / "out" / "test-v1" / "createThing.json").read_text())
    assert built["properties"]["count"] == {"type": "integer"}
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert index["apis"]["test-v1"]["overlay"] == ["changelog, May 2026"]
    overlay.write_text(entry % "name", encoding="utf-8")  # the spec has `name` now
    result = run_cli("schemas", "build", str(spec), "--out", str(tmp_path / "out2"), "--overlay", str(overlay))
    assert result.returncode == 2
    assert "the spec has it now; remove this overlay entry" in result.stderr.decode()
    overlay.write_text(
        "schemas:\n  - {api: test-v1, operation: createThing, op: add, path: /properties/x, value: {}}\n",
        encoding="utf-8",
    )
    result = run_cli("schemas", "build", str(spec), "--out", str(tmp_path / "out3"), "--overlay", str(overlay))
    assert result.returncode == 2 and "every entry needs `api` and `source`" in result.stderr.decode()
