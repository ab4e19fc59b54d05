from __future__ import annotations

import re

import pytest

from imgeda_ci.integrations.github import annotations
from imgeda_ci.render.markdown import render_summary
from imgeda_ci.render.ranking import annotation_counts, ranked_causes
from imgeda_ci.run_result import RunResult
from tests.render.results import result_for, synthetic_result

COMMAND = re.compile(r"^::(error|warning|notice) (file=[^,:]*,)?title=[^,:]*::[^\r\n]*$")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return result_for(tmp_path_factory.mktemp("ann"), hostile=True, with_base=True)


def test_lines_are_single_escaped_workflow_commands(hostile: RunResult) -> None:
    lines = annotations(hostile, root="data")
    assert lines
    for line in lines:
        assert COMMAND.match(line), line
    joined = "\n".join(lines)
    assert "file=data/train/line%0Abreak%0D%3A%3Aerror%3A%3Ainjected%250A%2Ctitle=x.jpg" in joined
    assert "::error file=data/train/truncated.jpg,title=imgeda-ci%3A truncated::" in joined
    assert "(introduced by this change)" in joined


def test_at_most_ten_per_severity_and_the_rest_counted_in_the_summary() -> None:
    result = synthetic_result(300)
    lines = annotations(result)
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert len(lines) <= 30
    counts = annotation_counts(ranked_causes(result))
    assert counts["error"][0] == 10 and counts["error"][1] > 300
    summary = render_summary(result)
    assert f"10 of {counts['error'][1]:,} errors" in summary
    # the most important first: errors before warnings, introduced before existing
    assert lines[0].startswith("::error ") and "(introduced by this change)" in lines[0]


def test_per_severity_is_a_parameter() -> None:
    lines = annotations(synthetic_result(50), per_severity=2)
    assert sum(line.startswith("::error ") for line in lines) == 2


def test_new_only_mode_annotates_only_what_the_change_introduced() -> None:
    from imgeda_ci.policy import parse_policy
    from imgeda_ci.run_result import build_result
    from tests.render.results import synthetic_records

    records = synthetic_records(40)
    policy = parse_policy("version: 1\nmode: new-only\n")
    result = build_result(records, policy, header={"root": "data"}, base_records=records[:30])  # type: ignore[typeddict-item]
    lines = annotations(result)
    assert lines and all("(introduced by this change)" in line for line in lines)
    new_paths = {f.path for f in result.introduced}
    assert all(any(p in line for p in new_paths) for line in lines)
