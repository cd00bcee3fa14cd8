"""The ePayment API's numeric error codes: what each means and what to do.

From the official ePayment errors page as the Vipps MobilePay agent toolkit gives it
(vippsas/agent-toolkit, plugins/vipps-developer/skills/epayment/references/errors.md;
https://developer.vippsmobilepay.com/docs/APIs/epayment-api/api-guide/errors/). A response
carries the code as `extraDetails: [{"name": "ErrorCode", "reason": "6080"}]`. Titles there
are reworded over time; the codes are what clients branch on. A code in none of these rows
is reported as unknown, never guessed from its neighbours.
"""

from __future__ import annotations

from typing import Optional

ERRORS_PAGE = "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/api-guide/errors/"

# code → (what it means, what to do)
EPAYMENT_ERROR_CODES: dict[int, tuple[str, str]] = {
    3010: (
        "internal error",
        "Often a malformed request: check the request against the spec, then status.vippsmobilepay.com",
    ),
    4010: (
        "capture idempotency conflict",
        "A retry with the same Idempotency-Key must repeat the body exactly; use a new key for a new capture",
    ),
    4020: (
        "idempotency error: the Idempotency-Key already exists",
        "Generate a new Idempotency-Key for a new operation; reuse a key only to retry the same one",
    ),
    4040: (
        "invalid amount: amount.value has decimals",
        "Send amount.value as an integer in minor units: NOK 499.50 is 49950",
    ),
    4050: ("invalid customer token", "The token from a personal QR scan is not valid: scan again"),
    4060: ("invalid personal QR", "Send customer.personalQr exactly as scanned"),
    4070: (
        "invalid phone number",
        "Send customer.phoneNumber as MSISDN: country code and number, no + or spaces, e.g. 4791234567",
    ),
    4080: ("invalid scope", "Check the spelling of profile.scope: name, address, email, phoneNumber, birthDate, nin"),
    4090: (
        "invalid callback or return URL",
        "Use valid https:// URLs (returnUrl may be an app scheme such as myapp://)",
    ),
    4100: ("metadata capacity exceeded", "Send fewer metadata entries"),
    4110: ("duplicate metadata keys", "Send each metadata key once"),
    4120: ("metadata key too long", "Shorten the metadata keys"),
    4130: ("metadata value too long", "Shorten the metadata values"),
    4140: ("missing required parameter", "Add the field the detail names: it is required for this userFlow or feature"),
    4150: (
        "reference already exists, or refund idempotency conflict",
        "Use a new reference for a new payment; a retried refund must repeat its body exactly",
    ),
    4160: (
        "invalid payment method type",
        "paymentMethod.type is not valid with cardPassthrough: send CARD_PASSTHROUGH",
    ),
    5010: (
        "blocking payment sources not applicable",
        "paymentMethod.blockedSources works only for Danish and Finnish sales units",
    ),
    5020: (
        "Express payment not allowed",
        "The sales unit is not enabled for Express: ask Vipps MobilePay to enable it, or drop shipping",
    ),
    5030: ("illegal scope", "The sales unit may not ask for nin or account numbers: remove them from profile.scope"),
    5040: ("invalid currency for the merchant", "Send the currency of the sales unit's market"),
    5050: (
        "long-living payment not allowed",
        "The sales unit is not approved for expiresAt: remove it, or ask Vipps MobilePay for approval",
    ),
    5060: (
        "merchant bank account not verified",
        "The merchant must verify its bank account on portal.vippsmobilepay.com",
    ),
    5070: (
        "payment cannot be created",
        "Check the sales unit's setup on portal.vippsmobilepay.com, or ask Vipps MobilePay support with the traceId",
    ),
    5080: (
        "PUSH_MESSAGE not allowed",
        "The sales unit needs approval for userFlow PUSH_MESSAGE; use WEB_REDIRECT meanwhile",
    ),
    5090: (
        "reference not found",
        "Check the reference, and that the Merchant-Serial-Number is the one the payment was created with",
    ),
    5100: (
        "refund not possible",
        "A configuration problem on the sales unit: ask Vipps MobilePay support with the traceId",
    ),
    6010: ("amount too small", "Send at least NOK 100 øre (1 krone), DKK 1 øre or EUR 1 cent"),
    6020: ("refund before reservation", "Refund only captured payments: check the payment's event log"),
    6030: (
        "cancel period expired",
        "Cancel is possible within 180 days of the reservation, inside the capture deadline",
    ),
    6040: (
        "a captured payment cannot be cancelled",
        "Refund it instead: POST /epayment/v1/payments/{reference}/refund",
    ),
    6050: (
        "a payment that is not reserved cannot be cancelled",
        "Check the payment's state (GET /epayment/v1/payments/{reference}) before cancelling",
    ),
    6060: (
        "cannot cancel an authorized payment with cancelTransactionOnly",
        "The user has already authorized: cancel without cancelTransactionOnly",
    ),
    6070: ("a cancelled payment cannot be captured", "The payment is cancelled: create a new payment"),
    6080: (
        "capture before reservation",
        (
            "Capture only after the user has approved the payment"
            " (state AUTHORIZED, see GET /epayment/v1/payments/{reference})"
        ),
    ),
    6090: ("capture amount too high", "The captures together cannot exceed the authorized amount"),
    6100: ("capture period expired", "The reservation is gone: the money cannot be collected"),
    6110: ("expiration date too late", "expiresAt can be at most 60 days ahead"),
    6120: ("expiration date too soon", "expiresAt must be more than 10 minutes ahead"),
    6130: ("long-living payments require a receipt", "Send receipt with expiresAt"),
    6140: ("must capture the full amount", "Partial capture is not allowed for this payment: capture the whole amount"),
    6150: ("not enough left to refund", "Refund at most the captured amount not yet refunded"),
    6160: ("order processing", "Another operation holds the payment: retry shortly with the same Idempotency-Key"),
    6170: ("payment already captured", "Nothing to do: check the payment's aggregate"),
    6180: ("payment already refunded", "Nothing to do: check the payment's aggregate"),
    6190: (
        "payment cannot be cancelled",
        "The payment is in a state that does not allow it: check GET /epayment/v1/payments/{reference}",
    ),
    6200: (
        "payment cannot be captured",
        "The payment is in a state that does not allow it: check GET /epayment/v1/payments/{reference}",
    ),
    6210: (
        "payment cannot be refunded",
        "The payment is in a state that does not allow it: check GET /epayment/v1/payments/{reference}",
    ),
    6220: ("refund period expired", "Refund is possible within 365 days of the reservation"),
    6230: (
        "payment already reserved",
        "The reference has already been authorized: use a new reference for a new payment",
    ),
    6250: ("cannot cancel a payment being processed", "Retry the cancel later"),
    6260: (
        "funds unavailable",
        "The bank released the reservation early: the funds may become available later, or ask the user to pay again",
    ),
    6280: ("capture failed", "Retry the capture after a short wait with the same Idempotency-Key"),
    7010: (
        "customer not found",
        (
            "No user for that number, the user cannot pay businesses, or minimumUserAge blocks them:"
            " offer another way to pay, and do not tell the user the number is wrong"
        ),
    ),
    10010: (
        "approve failed (test environment)",
        "The test user could not approve: check the test user in the test app",
    ),
    10020: (
        "approve not allowed (test environment)",
        "The payment cannot be force-approved: approve it in the test app",
    ),
    10030: ("identification required (test environment)", "The test user must identify in the test app first"),
    10040: ("invalid payment source (test environment)", "Give the test user a valid payment source in the test app"),
    10050: ("no cards (test environment)", "The test user must add a card in the test app"),
    10060: (
        "operation not supported (test environment)",
        "Force approve does not support this payment (e.g. Express): approve it in the test app",
    ),
    10070: ("payment limit exceeded (test environment)", "Use a smaller amount for the test user"),
}

# The code ranges the errors page groups codes in, for the words around an unknown code.
_GROUPS = (
    (3000, 3999, "internal"),
    (4000, 4999, "invalid request"),
    (5000, 5999, "merchant configuration"),
    (6000, 6999, "payment"),
    (7000, 7999, "user"),
    (10000, 10999, "test environment"),
)

LOWEST, HIGHEST = 3000, 10999


def known(code: int) -> Optional[tuple[str, str]]:
    """(what the code means, what to do) for a documented code, else None."""
    return EPAYMENT_ERROR_CODES.get(code)


def unknown(code: int) -> tuple[str, str]:
    """What to say about a code the errors page does not list: that it is unknown."""
    group = next((name for low, high, name in _GROUPS if low <= code <= high), None)
    what = f"a code vipps-lint does not know{f' (in the {group} range)' if group else ''}"
    return what, f"Look the code up on {ERRORS_PAGE}, and give Vipps MobilePay support the traceId"
