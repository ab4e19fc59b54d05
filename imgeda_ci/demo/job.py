"""The main job, run on the demo dataset: ``imgeda-ci ci`` with every output it can write."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from imgeda_ci.ci import RENDERERS, CiOptions, run_ci, write_outputs
from imgeda_ci.render.gate_table import gate_lines

_FILES = {
    "report": "report.html",
    "comment": "comment.md",
    "summary": "summary.md",
    "sarif": "results.sarif",
    "junit": "junit.xml",
}


def run_demo_job(dataset: Path, out_dir: Path) -> int:
    """Run the job and return the gate's exit code."""
    outputs = {"json": out_dir / "result.json"}
    for kind, name in _FILES.items():
        if importlib.util.find_spec(RENDERERS[kind][0]) is not None:
            outputs[kind] = out_dir / name
    opts = CiOptions(
        path=dataset,
        manifest_out=out_dir / "manifest.jsonl",
        use_git=False,
        outputs=outputs,
    )
    result = run_ci(opts)
    for line in gate_lines(result.verdict, show_passing=False):
        print(line)
    write_outputs(result, opts)
    print("\nwritten: " + ", ".join(str(p) for p in [opts.manifest_out, *outputs.values()]))
    return result.exit_code
