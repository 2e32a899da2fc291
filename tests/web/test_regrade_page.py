"""An instructor regrades an attempt from its student's page: the real regrade unit, in a trusted
process of its own, with sandboxes."""

from __future__ import annotations

import re

import pytest

from tests.server.conftest import reference_files
from tests.web.conftest import Site, csrf

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]


def test_an_instructor_regrades_an_attempt_and_the_class_counts_the_regrade(site: Site) -> None:
    files = reference_files()
    submission = site.submit(
        "ada",
        "# graded wrongly at first\n" + files.pop("perceptron.py"),
        **{name.removesuffix(".py"): text for name, text in files.items()},
    )
    ian = site.browser("ian")
    before = ian.get("/class/students/ada").text
    assert "score 2/10" in before  # the canned grader's verdict

    done = ian.post(f"/class/submissions/{submission}/regrade", data={"csrf_token": csrf(ian, "/login")})
    assert done.status_code == 200
    notice = re.search(r'<div class="notice" role="status">(.*?)</div>', done.text, re.S)
    assert notice is not None
    assert re.match(
        rf"Regraded attempt 1 of ada \(#{submission}\): 111/111 \(was 2\) for perceptron, activations, forward, "
        r"backprop; no attempt was spent\.",
        notice.group(1),
    ), notice.group(1)
    assert "<strong>Regraded</strong>" in done.text and "This counts now." in done.text
    assert re.search(
        r'<a href="/class/students/ada">ada</a></th>\s*(<td class="num">\d+</td>\s*){4}', ian.get("/class").text
    )
    assert "111</strong>" in ian.get("/class").text
