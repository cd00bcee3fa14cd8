"""The severities, lowest last in `SEVERITIES`; in a module of their own, so the command
line's choices (`--fail-on`) and `vipps-lint --version` need nothing else of the package."""

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
