"""vipps-lint: a pre-flight linter for requests to the Vipps MobilePay APIs."""

__version__ = "0.1.0"
