"""JUnit XML for CI dashboards: one test suite per file with findings, one failed
test case per finding (a passing case when there is nothing to report)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby
from typing import IO, Callable

from readycheck.core.findings import Finding
from readycheck.reporters import clean
from readycheck.engine.runner import ScanResult

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str) -> str:
    """XML 1.0 cannot hold most control characters, whatever the escaping, nor a lone
    surrogate; bidirectional overrides are escaped visibly (``clean``). ElementTree
    escapes ``&<>"`` and line breaks in attributes."""
    return _NOT_XML.sub("\ufffd", clean(text))


def report(result: ScanResult, out: IO[str], display: Callable[[str], str]) -> None:
    suites = ET.Element("testsuites", name="readycheck", tests=str(max(1, len(result.findings))),
                        failures=str(len(result.findings)))
    if not result.findings:
        suite = ET.SubElement(suites, "testsuite", name="readycheck", tests="1", failures="0")
        ET.SubElement(suite, "testcase", name="no findings", classname="readycheck")
    for path, group in groupby(sorted(result.findings, key=Finding.sort_key), key=lambda f: f.path):
        findings = list(group)
        suite = ET.SubElement(suites, "testsuite", name=_x(display(path)), tests=str(len(findings)),
                              failures=str(len(findings)))
        for f in findings:
            case = ET.SubElement(suite, "testcase", name=_x(f"{f.rule_id} line {f.span.line}:{f.span.column}"),
                                 classname=_x(display(path)), file=_x(display(path)), line=str(f.span.line))
            failure = ET.SubElement(case, "failure", message=_x(f.message), type=f.rule_id)
            failure.text = _x(f"{display(path)}:{f.span.line}:{f.span.column}: [{f.severity}] {f.message}\n{f.help}")
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode"))
    out.write("\n")
