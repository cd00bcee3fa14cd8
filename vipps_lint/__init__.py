"""vipps-lint: a pre-flight linter for requests to the Vipps MobilePay APIs.

The Python API (see `vipps_lint.api`): `lint_request(method, url, headers, body)`, a
configured `Linter` for long-running processes, `PreflightError` from the HTTP client hooks
(`vipps_lint.hooks`). They are imported on first use, so `vipps-lint` starts fast.
"""

from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = ["BodyError", "ConfigError", "Finding", "Findings", "Fix", "Linter", "PreflightError", "lint_request"]

if TYPE_CHECKING:
    from vipps_lint.api import BodyError, ConfigError, Finding, Findings, Fix, Linter, PreflightError, lint_request


def __getattr__(name: str):
    if name in __all__:
        from vipps_lint import api  # the CLI imports this package for __version__ only

        return getattr(api, name)
    raise AttributeError(f"module 'vipps_lint' has no attribute {name!r}")
