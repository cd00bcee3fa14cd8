"""`phone`: a phone number in the exact format an API expects, checked with `phonenumbers`.

Formats:

- `national-no` (eCom v2 `customerInfo.mobileNumber`): 8 digits, `91234567`. eCom accepts
  other spellings but then cannot prefill the number on the landing page.
- `msisdn` (ePayment, Recurring): country code and number, digits only, `4791234567`.

Problem codes: `format` (a right number, wrongly written; the fix is the exact value),
`missing-country-code` (msisdn given as a national number), `foreign` (a real number
outside `countries`), `invalid` (no such number can exist).

A national number (`91234567`) is read in the country of the payment's currency when the
body says it (`currencyAt`: NOK → Norway, DKK → Denmark, EUR → Finland); then the
corrected value is certain and is offered as a fix. Without a currency it is read in
`defaultRegion`, and the hint says that this is an assumption (no automatic fix).
`{{detail}}` in a template says which of the two happened.

    functionOptions:
      format: msisdn
      countries: [NO, DK, FI]    # default; national-no implies NO
      defaultRegion: NO          # how to read numbers without a country code
      currencyAt: [/amount/currency]   # JSON Pointers into the body, first found wins
"""

from __future__ import annotations

import re

from vipps_lint.checks.functions import Violation
from vipps_lint.positions import pointer_tokens

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["format"],
    "properties": {
        "format": {"enum": ["national-no", "msisdn"]},
        "countries": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}, "minItems": 1},
        "defaultRegion": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "currencyAt": {"type": "array", "items": {"type": "string", "pattern": "^(/[^/]*)+$"}, "minItems": 1},
    },
}

# The Vipps MobilePay markets, by the currency a payment is made in.
CURRENCY_REGIONS = {"NOK": "NO", "DKK": "DK", "EUR": "FI"}
_REGION_NAMES = {"NO": "Norwegian", "DK": "Danish", "FI": "Finnish"}

_DIGITS = re.compile(r"^\d+$")
_EIGHT_DIGITS = re.compile(r"^\d{8}$")

# Mobile numbers already written exactly as the API wants them, which `phonenumbers` would
# only confirm (its mobile patterns for Norway and Denmark). Nearly every request has one, and
# parsing costs more than the rest of a rule; tests check that both ways always agree.
_NO_MOBILE = r"(?:45(?:[0-24-9]\d|3[0-57-9])\d{4}|(?:4[016-8]|9\d)\d{6})"
_DK_MOBILE = r"(?:(?:2[6-8]|6[78]|96)\d{6}|(?:2[0-59]|3[0-689]|[457]\d|6[0-69]|8[126-9]|9[1-47-9])[1-9]\d{5})"
_NATIONAL_NO_AS_WANTED = re.compile(_NO_MOBILE)
_MSISDN_AS_WANTED = {47: re.compile("47" + _NO_MOBILE), 45: re.compile("45" + _DK_MOBILE)}


# Country calling codes of the Vipps MobilePay markets, so that compiling a rule needs no
# `phonenumbers` (its import costs a pre-commit run 20 ms); other regions ask it.
_COUNTRY_CODES = {"NO": 47, "DK": 45, "FI": 358}


class _LazyPhonenumbers:
    """The `phonenumbers` module, imported the first time a number is not already as wanted."""

    def __getattr__(self, name):
        import phonenumbers as module  # noqa: PLC0415

        return getattr(module, name)


phonenumbers = _LazyPhonenumbers()


def compile(options, trust_exact_format: bool = True):
    """`trust_exact_format=False` sends every number through `phonenumbers` (for tests)."""
    number_format = options["format"]
    default_region = options.get("defaultRegion", "NO")
    regions = options.get("countries", ["NO"] if number_format == "national-no" else ["NO", "DK", "FI"])
    allowed_codes = {_COUNTRY_CODES.get(region) or phonenumbers.country_code_for_region(region) for region in regions}
    region_names = "/".join(regions)
    as_wanted = _NATIONAL_NO_AS_WANTED if number_format == "national-no" and trust_exact_format else None
    if number_format == "msisdn" and trust_exact_format:
        patterns = [_MSISDN_AS_WANTED[code].pattern for code in sorted(allowed_codes) if code in _MSISDN_AS_WANTED]
        as_wanted = re.compile("|".join(patterns)) if patterns else None
    currency_paths = [pointer_tokens(pointer) for pointer in options.get("currencyAt", ())]

    def payment_region(root):
        """(region, currency) from the body's currency, or (None, None)."""
        for tokens in currency_paths:
            value = root
            for token in tokens:
                value = value.get(token) if isinstance(value, dict) else None
            region = CURRENCY_REGIONS.get(value) if isinstance(value, str) else None
            if region in regions:
                return region, value
        return None, None

    def parse(text, region):
        try:
            return phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None

    def possible(number):
        """A number that can exist: right length, and in a range its country gives out."""
        return number is not None and phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)

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

    def check_msisdn(text, root):
        if _DIGITS.match(text) and not text.startswith("0"):
            number = parse("+" + text, None)
            if possible(number) and number.country_code in allowed_codes:
                return
            region, currency = payment_region(root)
            national = parse(text, region or default_region)
            if possible(national) and national.country_code in allowed_codes and str(national.national_number) == text:
                if region:
                    detail = f"read as a {_REGION_NAMES.get(region, region)} number because the amount is in {currency}"
                else:
                    others = ", ".join(f"{phonenumbers.country_code_for_region(other)}… for {_REGION_NAMES.get(other, other)}"
                                       for other in regions if other != default_region)
                    detail = f"assuming a {_REGION_NAMES.get(default_region, default_region)} number" + (f"; use {others} numbers" if others else "")
                yield Violation("missing-country-code", "has no country code", e164_digits(national), detail=detail, safe=region is not None)
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

    def check(value, context):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            return
        if as_wanted is not None and as_wanted.fullmatch(value):
            return
        if number_format == "national-no":
            yield from check_national(value.strip())
        else:
            yield from check_msisdn(value.strip(), context.root)

    return check
