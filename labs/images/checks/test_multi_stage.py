"""Task multi-stage: a report server image that leaves its build inputs behind."""

import re

import pytest


@pytest.mark.task("multi-stage")
def test_report_image_is_below_the_size_limit(engine, params):
    """report:slim is no larger than the limit the lab's manifest sets."""
    limit = int(params["max_report_bytes"])
    image = engine.image("report:slim")
    assert image is not None, "No image report:slim in the lab's engine (docker image ls)."
    size = int(image.get("Size") or 0)
    assert size <= limit, (
        f"report:slim is {size / 1e6:.2f} MB, above the {limit / 1e6:.2f} MB limit: the final "
        "stage should copy in the built report only, not the raw data."
    )


@pytest.mark.task("multi-stage")
def test_report_container_serves_the_report(engine, examiner):
    """A container named report, running report:slim, serves the report built from the data."""
    url, problem = engine.serving("report", "report:slim")
    assert not problem, problem
    visits = examiner.path("/root/report/visits.csv")
    total = examiner.run("awk -F, 'NR > 1 { s += $3 } END { print s }' %s", visits)
    status, body = engine.http_get(url)
    assert status == 200, f"GET {url} answered {status or 'nothing'}, expected 200 and a report."
    found = re.search(r"Total visits: (\d+)", body)
    assert found, f"GET {url} answered a page without a 'Total visits: N' line."
    assert found.group(1) == total.stdout.strip(), (
        f"The report says {found.group(1)} visits; /root/report/visits.csv holds "
        f"{total.stdout.strip()}: build it from that data."
    )
