"""JUnit XML: one test suite per target, one test case per task (CI systems and LMSs read it)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from checker.report import Report, TaskStatus

# What XML 1.0 allows in a document (its `Char` production): every other code point (most C0
# controls, lone surrogates, U+FFFE, U+FFFF) makes the file not well-formed, and ElementTree
# writes them as they are. A learner's netns name or a roster id may hold any of them.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    r"""Return text with every character XML 1.0 forbids replaced by U+FFFD.

    >>> xml_text("a\uffffb\x01")
    'a\ufffdb\ufffd'
    """
    return _NOT_XML.sub("\ufffd", text)


def junit_xml(reports: Iterable[Report], names: Sequence[str] | None = None) -> str:
    """Render reports as a JUnit XML document.

    A failed task is a `<failure>`, a task that could not be judged an `<error>`; the message
    is the first failing check's, already stripped of control characters.

    Args:
        reports: one report per target.
        names: the suite name of each report (e.g. the student); default `lab@target`.
    """
    root = ET.Element("testsuites", name="kernel-to-cloud")
    x = xml_text
    for number, report in enumerate(reports):
        name = names[number] if names is not None else f"{report.lab}@{report.target}"
        suite = ET.SubElement(
            root,
            "testsuite",
            name=x(name),
            tests=str(len(report.tasks)),
            failures=str(sum(task.status == TaskStatus.FAILED for task in report.tasks)),
            errors=str(sum(task.status == TaskStatus.ERROR for task in report.tasks)),
        )
        if report.error:
            ET.SubElement(suite, "properties").append(
                ET.Element("property", name="target_error", value=x(report.error))
            )
        for task in report.tasks:
            duration = sum(check.duration for check in task.checks)
            case = ET.SubElement(
                suite,
                "testcase",
                classname=x(report.lab),
                name=x(task.id),
                time=f"{duration:.3f}",
            )
            if task.status in (TaskStatus.FAILED, TaskStatus.ERROR):
                tag = "failure" if task.status == TaskStatus.FAILED else "error"
                first = task.message.splitlines()[0] if task.message else task.status
                detail = ET.SubElement(case, tag, message=x(first))
                detail.text = x(f"{task.message}\nhint: {task.hint}" if task.hint else task.message)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
