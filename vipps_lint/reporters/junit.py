"""`--format junit`: JUnit XML, for GitLab (`artifacts:reports:junit`), Jenkins and others.

One `<testsuite>` per input file. Each finding is a `<testcase>` named after its rule and
place (`ecom-callback-https at /merchantInfo/callbackPrefix`); findings at or above
`--fail-on` carry a `<failure>` (type = rule id, message = the finding, text = location,
request and hint), findings below it pass with their text in `<system-out>` so CI shows
them without failing. A file without findings is one passing test case. An input that
could not be read is a test case with an `<error>`.
"""

from __future__ import annotations

from collections import defaultdict

from vipps_lint.models import SEVERITY_RANK, Report


def junit_tree(report: Report, fail_on: str):
    from xml.etree import ElementTree

    from vipps_lint.reporters.text import location

    root = ElementTree.Element("testsuites", name="vipps-lint")
    findings_by_file = defaultdict(list)
    for finding in report.findings:
        findings_by_file[finding.file].append(finding)
    errors_by_file = defaultdict(list)
    for error in report.errors:
        errors_by_file[error.file].append(error)
    files = list(dict.fromkeys([*report.file_names, *findings_by_file, *errors_by_file]))
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for file in files:
        suite = ElementTree.SubElement(root, "testsuite", name=file)
        counts = {"tests": 0, "failures": 0, "errors": 0}
        for error in errors_by_file[file]:
            case = ElementTree.SubElement(suite, "testcase", classname=file, name="input can be read")
            ElementTree.SubElement(case, "error", type="input-error", message=error.message).text = str(error)
            counts["tests"] += 1
            counts["errors"] += 1
        for finding in findings_by_file[file]:
            where = finding.header if finding.part == "header" else finding.pointer
            name = f"{finding.rule} at {where or '(whole body)'}" if where is not None else finding.rule
            request = finding.request
            if request.method or request.url:
                name += f" (request #{request.index + 1} {request.method or ''} {request.url or ''})".replace("  ", " ")
            case = ElementTree.SubElement(suite, "testcase", classname=file, name=name)
            details = f"{location(finding)}: {finding.severity}[{finding.rule}] {finding.message}"
            if finding.hint:
                details += f"\nhint: {finding.hint}"
            counts["tests"] += 1
            if SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[fail_on]:
                ElementTree.SubElement(case, "failure", type=finding.rule, message=finding.message).text = details
                counts["failures"] += 1
            else:
                ElementTree.SubElement(case, "system-out").text = details
        if not counts["tests"]:
            ElementTree.SubElement(suite, "testcase", classname=file, name="no problems found")
            counts["tests"] = 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    _well_formed(root)
    return ElementTree.ElementTree(root)


def _well_formed(root) -> None:
    """XML 1.0 cannot hold most control characters, not even as &#1;: every text and attribute
    is escaped (`\\x01`), so the report always parses."""
    from vipps_lint.escape import escape_controls, escape_controls_in_lines

    for element in root.iter():
        if element.text:
            element.text = escape_controls_in_lines(element.text)
        for key, value in element.attrib.items():
            element.set(key, escape_controls(value))


def render(report: Report, stream, options) -> None:
    from xml.etree import ElementTree

    tree = junit_tree(report, options.fail_on)
    ElementTree.indent(tree)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ElementTree.tostring(tree.getroot(), encoding="unicode"))
    stream.write("\n")
