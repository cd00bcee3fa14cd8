"""`phone`: a phone number in the exact format an API expects, checked with `phonenumbers`.

Formats:

- `national-no` (eCom v2 `customerInfo.mobileNumber`): 8 digits, `91234567`. eCom accepts
  other spellings but then cannot prefill the number on the landing page.
- `msisdn` (ePayment, Recurring): country code and number, digits only, `4791234567`.

Problem codes: `format` (a right number, wrongly written; the fix is the exact value),
`format-ambiguous` (separators in digits that also read as a national number elsewhere),
`missing-country-code` (msisdn given as a national number), `foreign` (a real number
outside `countries`), `invalid` (no such number can exist), and with `check: mobile-range`
only `not-mobile` (the right format, but outside the country's mobile ranges).

Any Nordic user can pay any Nordic merchant, so the payment's currency does not say where
a number is from. A fix is *safe* (applied by `--fix`) only when the input itself states
the country: `+45 20 12 34 56`, `0045…`, or digits that read only one way. A national
number without a country code (`040 123 4567`) is read in every country of `countries`;
the hint offers the readings that exist (mobile numbers first, then the currency's country
at `currencyAt`), and `--fix` does not pick one. `{{detail}}` lists them.

`check: mobile-range` is for a separate, lower-severity rule: the API checks the format,
not whether the number lies in a mobile range (the docs' own example `4712345678` does
not), but a number outside them is unlikely to reach a user.

    functionOptions:
      format: msisdn
      countries: [NO, DK, FI, SE]      # default; national-no implies NO
      currencyAt: [/amount/currency]   # JSON Pointers: which reading to list first
      check: format                    # or mobile-range
"""

from __future__ import annotations

import re

from vipps_lint.checks.functions import Violation
from vipps_lint.lazy_re import lazy_compile
from vipps_lint.positions import pointer_tokens

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["format"],
    "properties": {
        "format": {"enum": ["national-no", "msisdn"]},
        "countries": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}, "minItems": 1},
        "defaultRegion": {
            "type": "string",
            "pattern": "^[A-Z]{2}$",
            "description": "kept for rule packs; no longer used",
        },
        "currencyAt": {"type": "array", "items": {"type": "string", "pattern": "^(/[^/]*)+$"}, "minItems": 1},
        "check": {"enum": ["format", "mobile-range"]},
    },
}

# The Vipps MobilePay markets' currencies: which reading of a national number to list first.
CURRENCY_REGIONS = {"NOK": "NO", "DKK": "DK", "EUR": "FI", "SEK": "SE"}
_REGION_NAMES = {"NO": "Norwegian", "DK": "Danish", "FI": "Finnish", "SE": "Swedish"}

_DIGITS = lazy_compile(r"^\d+$")
_EIGHT_DIGITS = lazy_compile(r"^\d{8}$")
_SEPARATORS = lazy_compile(r"[\s\-().\u00a0/]")
_MSISDN_LENGTH = (9, 15)  # the spec's pattern ^\d{9,15}$ (ePayment 1.8.1)

# Mobile numbers already written exactly as the API wants them, which `phonenumbers` would
# only confirm (its mobile patterns for Norway and Denmark). Nearly every request has one, and
# parsing costs more than the rest of a rule; tests check that both ways always agree.
_NO_MOBILE = r"(?:45(?:[0-24-9]\d|3[0-57-9])\d{4}|(?:4[016-8]|9\d)\d{6})"
_DK_MOBILE = r"(?:(?:2[6-8]|6[78]|96)\d{6}|(?:2[0-59]|3[0-689]|[457]\d|6[0-69]|8[126-9]|9[1-47-9])[1-9]\d{5})"
_NATIONAL_NO_AS_WANTED = lazy_compile(_NO_MOBILE)
_MSISDN_AS_WANTED = {47: lazy_compile("47" + _NO_MOBILE), 45: lazy_compile("45" + _DK_MOBILE)}


# Country calling codes of the Vipps MobilePay markets, so that compiling a rule needs no
# `phonenumbers` (its import costs a pre-commit run 20 ms); other regions ask it.
_COUNTRY_CODES = {"NO": 47, "DK": 45, "FI": 358, "SE": 46}


class _LazyPhonenumbers:
    """The `phonenumbers` module, imported the first time a number is not already as wanted."""

    def __getattr__(self, name):
        import phonenumbers as module

        return getattr(module, name)


phonenumbers = _LazyPhonenumbers()


def _parse(text, region):
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def _possible(number):
    """A number that can exist: right length, and in a range its country gives out."""
    return number is not None and phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)


def _mobile(number) -> bool:
    kind = phonenumbers.number_type(number)
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _e164_digits(number) -> str:
    return f"{number.country_code}{number.national_number}"


def _region_name(number) -> str:
    region = phonenumbers.region_code_for_country_code(number.country_code)
    return _REGION_NAMES.get(region, f"+{number.country_code}")


def compile(options, trust_exact_format: bool = True):
    """`trust_exact_format=False` sends every number through `phonenumbers` (for tests)."""
    number_format = options["format"]
    mode = options.get("check", "format")
    regions = options.get("countries", ["NO"] if number_format == "national-no" else ["NO", "DK", "FI", "SE"])
    allowed_codes = {_COUNTRY_CODES.get(region) or phonenumbers.country_code_for_region(region) for region in regions}
    region_names = "/".join(regions)
    as_wanted = _NATIONAL_NO_AS_WANTED if number_format == "national-no" and trust_exact_format else None
    if number_format == "msisdn" and trust_exact_format:
        patterns = [_MSISDN_AS_WANTED[code].pattern for code in sorted(allowed_codes) if code in _MSISDN_AS_WANTED]
        as_wanted = re.compile("|".join(patterns)) if patterns else None
    currency_paths = [pointer_tokens(pointer) for pointer in options.get("currencyAt", ())]

    def currency_region(root):
        for tokens in currency_paths:
            value = root
            for token in tokens:
                value = value.get(token) if isinstance(value, dict) else None
            region = CURRENCY_REGIONS.get(value) if isinstance(value, str) else None
            if region in regions:
                return region
        return None

    def national_readings(digits, root):
        """The numbers a national number can be in the allowed countries: the mobile ones when
        there are any (a Vipps MobilePay user's number is a mobile number), the currency's
        country first."""
        readings, seen = [], set()
        for region in regions:
            number = _parse(digits, region)
            same_country = _possible(number) and number.country_code == _COUNTRY_CODES.get(region, number.country_code)
            if same_country and _e164_digits(number) not in seen:
                seen.add(_e164_digits(number))
                readings.append((region, number))
        if any(_mobile(number) for _, number in readings):
            readings = [reading for reading in readings if _mobile(reading[1])]
        first = currency_region(root)
        readings.sort(key=lambda reading: reading[0] != first)
        return readings

    def listing(readings):
        parts = [
            f'{_REGION_NAMES.get(region, region)}{" mobile" if _mobile(number) else ""} "{_e164_digits(number)}"'
            for region, number in readings
        ]
        return " or ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " or " + parts[-1]

    def not_mobile(number):
        name = _region_name(number)
        if not phonenumbers.is_valid_number(number):
            reason = f"+{number.country_code} {number.national_number} is in no {name} number range"
        else:
            reason = f"+{number.country_code} {number.national_number} is a {name} number outside the mobile ranges"
        return Violation(
            "not-mobile", f"has the right format, but {reason}, so it is unlikely to reach a Vipps MobilePay user"
        )

    def check_national(text):
        number = _parse(text, "NO")
        if not _possible(number):
            yield Violation("invalid", "is not a possible phone number")
        elif number.country_code != 47:
            yield Violation("foreign", f"is a +{number.country_code} number; this field takes Norwegian numbers only")
        elif not _EIGHT_DIGITS.match(text):
            yield Violation("format", "must be 8 digits without country code or spaces", str(number.national_number))

    def check_msisdn(text, root):
        cleaned = _SEPARATORS.sub("", text)
        if cleaned.startswith(("+", "00")):
            # The input states the country: the corrected value is certain.
            international = cleaned[1:] if cleaned.startswith("+") else cleaned[2:]
            number = _parse("+" + international, None) if _DIGITS.match(international) else None
            if number is None or not phonenumbers.is_possible_number(number):
                if mode == "format":
                    yield Violation("invalid", "is not a possible phone number")
            elif number.country_code not in allowed_codes:
                if mode == "format":
                    yield Violation(
                        "foreign", f"is a +{number.country_code} number; this API takes {region_names} numbers"
                    )
            elif mode == "format":
                yield Violation("format", "must be country code and number, digits only", _e164_digits(number))
            elif not (phonenumbers.is_valid_number(number) and _mobile(number)):
                yield not_mobile(number)
            return
        if not _DIGITS.match(cleaned):
            if mode == "format":
                yield Violation("invalid", "is not a possible phone number")
            return
        as_msisdn = None
        if not cleaned.startswith("0") and _MSISDN_LENGTH[0] <= len(cleaned) <= _MSISDN_LENGTH[1]:
            number = _parse("+" + cleaned, None)
            if number is not None and number.country_code in allowed_codes and phonenumbers.is_possible_number(number):
                as_msisdn = number
        if as_msisdn is not None and cleaned == text:
            # Country code and number, digits only: what the API takes.
            if mode == "mobile-range" and not (phonenumbers.is_valid_number(as_msisdn) and _mobile(as_msisdn)):
                yield not_mobile(as_msisdn)
            return
        if mode != "format":
            return
        readings = national_readings(cleaned, root)
        if as_msisdn is not None and not readings:
            yield Violation("format", "must be country code and number, digits only", _e164_digits(as_msisdn))
        elif as_msisdn is not None:
            readings = [reading for reading in readings if _e164_digits(reading[1]) != _e164_digits(as_msisdn)]
            readings.insert(0, (phonenumbers.region_code_for_country_code(as_msisdn.country_code), as_msisdn))
            yield Violation(
                "format-ambiguous",
                "must be country code and number, digits only, and these digits read more than one way",
                _e164_digits(as_msisdn),
                detail=listing(readings),
                safe=False,
            )
        elif readings:
            yield Violation(
                "missing-country-code",
                "has no country code",
                _e164_digits(readings[0][1]),
                detail=listing(readings),
                safe=False,
            )
        else:
            number = _parse("+" + cleaned, None)
            if _possible(number) and not cleaned.startswith("0"):
                yield Violation("foreign", f"is a +{number.country_code} number; this API takes {region_names} numbers")
            else:
                yield Violation("invalid", "is not a possible phone number")

    def check(value, context):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or len(value) > 64:
            return
        if as_wanted is not None and as_wanted.fullmatch(value):
            return
        if number_format == "national-no":
            if mode == "format":
                yield from check_national(value.strip())
        else:
            yield from check_msisdn(value.strip(), context.root)

    return check
