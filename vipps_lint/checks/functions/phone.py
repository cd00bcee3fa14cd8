"""`phone`: a phone number in the exact format an API expects, checked with `phonenumbers`.

Formats:

- `national-no` (eCom v2 `customerInfo.mobileNumber`): 8 digits, `91234567`. eCom accepts
  other spellings but then cannot prefill the number on the landing page.
- `msisdn` (ePayment, Recurring): country code and number, digits only, `4791234567`.

Problem codes: `format` (a right number, wrongly written; the fix is the exact value),
`missing-country-code` (msisdn given as a national number; fixed with the default
region's code), `foreign` (a real number outside `countries`), `invalid` (no such number
can exist).

    functionOptions:
      format: msisdn
      countries: [NO, DK, FI]    # default; national-no implies NO
      defaultRegion: NO          # how to read numbers without a country code
"""

from __future__ import annotations

import re

from vipps_lint.checks.functions import Violation

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["format"],
    "properties": {
        "format": {"enum": ["national-no", "msisdn"]},
        "countries": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}, "minItems": 1},
        "defaultRegion": {"type": "string", "pattern": "^[A-Z]{2}$"},
    },
}

_DIGITS = re.compile(r"^\d+$")
_EIGHT_DIGITS = re.compile(r"^\d{8}$")


def compile(options):
    import phonenumbers  # noqa: PLC0415 - costly import, paid only when a rule uses it

    number_format = options["format"]
    default_region = options.get("defaultRegion", "NO")
    regions = options.get("countries", ["NO"] if number_format == "national-no" else ["NO", "DK", "FI"])
    allowed_codes = {phonenumbers.country_code_for_region(region) for region in regions}
    region_names = "/".join(regions)

    def parse(text, region):
        try:
            return phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None

    def possible(number):
        return number is not None and phonenumbers.is_possible_number(number)

    def e164_digits(number):
        return f"{number.country_code}{number.national_number}"

    def check_national(text):
        number = parse(text, "NO")
        if not possible(number):
            yield Violation("invalid", "is not a possible phone number")
        elif number.country_code != 47:
            yield Violation("foreign", f"is a +{number.country_code} number; this field takes Norwegian numbers only")
        elif not _EIGHT_DIGITS.match(text):
            yield Violation("format", "must be 8 digits without country code or spaces", str(number.national_number))

    def check_msisdn(text):
        if _DIGITS.match(text) and not text.startswith("0"):
            number = parse("+" + text, None)
            if possible(number) and number.country_code in allowed_codes:
                return
            national = parse(text, default_region)
            if possible(national) and national.country_code in allowed_codes and str(national.national_number) == text:
                yield Violation("missing-country-code", "has no country code", e164_digits(national))
                return
            if possible(number):
                yield Violation("foreign", f"is a +{number.country_code} number; this API takes {region_names} numbers")
            else:
                yield Violation("invalid", "is not a possible phone number")
            return
        number = parse(text, default_region)
        if not possible(number):
            yield Violation("invalid", "is not a possible phone number")
        elif number.country_code not in allowed_codes:
            yield Violation("foreign", f"is a +{number.country_code} number; this API takes {region_names} numbers")
        else:
            yield Violation("format", "must be country code and number, digits only", e164_digits(number))

    check_text = check_national if number_format == "national-no" else check_msisdn

    def check(value, context):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            return
        yield from check_text(value.strip())

    return check
