"""The teaching notebooks in notebooks/ run top to bottom, at small sizes, and show what they claim.

Each notebook is executed with nbclient in a fresh kernel that runs this Python (sys.executable).
The working directory is notebooks/. ALIGNSIM_NOTEBOOK_SMALL=1 makes the notebooks use small
replication counts and samples, and ALIGNSIM_NOTEBOOK_OUT sends every file they write to a
temporary folder. Needs: nbclient, nbformat, ipykernel, ipywidgets.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

import ipykernel  # noqa: F401 - the notebooks' kernel; installed by the test extra
import ipywidgets  # noqa: F401 - notebook 02's sliders
import nbclient
import nbformat

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
KERNEL = "python3"
PYTHON_NAMES = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _runs_this_python(argv: list[str]) -> bool:
    """Whether a kernelspec's command starts this interpreter. jupyter_client replaces a bare
    `python`/`python3` with sys.executable; anything else must name it."""
    if not argv:
        return False
    if argv[0] in PYTHON_NAMES:
        return True
    found = shutil.which(argv[0]) or argv[0]
    return Path(found).absolute() == Path(sys.executable).absolute()


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory):
    """The `python3` kernel, made to run sys.executable: if the kernelspec found would start
    another Python, one pointing to sys.executable is installed in a temporary JUPYTER_PATH."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        argv = KernelSpecManager().get_kernel_spec(KERNEL).argv
    except NoSuchKernel:
        argv = []
    if _runs_this_python(argv):
        yield KERNEL
        return
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("jupyter")
    install(kernel_name=KERNEL, prefix=str(prefix))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        argv = KernelSpecManager().get_kernel_spec(KERNEL).argv
        assert argv[0] == sys.executable, f"the {KERNEL} kernelspec still runs {argv[0]}"
        yield KERNEL


def execute(path: Path, kernel: str, out: Path, monkeypatch) -> nbformat.NotebookNode:
    """Run a notebook top to bottom, in notebooks/, at small sizes; raise on any cell's error."""
    monkeypatch.setenv("ALIGNSIM_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("ALIGNSIM_NOTEBOOK_OUT", str(out))
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, kernel_name=kernel, timeout=300,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return notebook


def outputs(notebook) -> list[dict]:
    """Every output of every code cell, including those captured inside widget output areas."""
    found = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    for model in state.get("state", {}).values():
        if model.get("model_name") == "OutputModel":
            found.extend(model["state"].get("outputs", []))
    return found


def text_of(notebook) -> str:
    parts = []
    for output in outputs(notebook):
        if output.get("output_type") == "stream":
            parts.append(output["text"])
        for mime in ("text/plain", "text/html"):
            if mime in output.get("data", {}):
                parts.append(output["data"][mime])
    return "\n".join("".join(p) if isinstance(p, list) else p for p in parts)


def images(notebook) -> int:
    return sum("image/png" in output.get("data", {}) for output in outputs(notebook))


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["01_quickstart.ipynb", "02_change_the_pressures.ipynb",
                                           "03_sweeps_and_sensitivity.ipynb", "04_write_your_own_scenario.ipynb",
                                           "05_what_flips_a_choice.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: cell {cell.id} has outputs"
    assert notebook.metadata["kernelspec"]["name"] == KERNEL


@pytest.fixture
def unchanged_notebook_dir():
    """The notebooks write nothing next to themselves."""
    before = sorted(p.name for p in NOTEBOOK_DIR.iterdir() if p.name != ".ipynb_checkpoints")
    yield
    after = sorted(p.name for p in NOTEBOOK_DIR.iterdir() if p.name != ".ipynb_checkpoints")
    assert after == before


@pytest.mark.usefixtures("unchanged_notebook_dir")
def test_01_quickstart(kernel_name, tmp_path, monkeypatch):
    notebook = execute(NOTEBOOK_DIR / "01_quickstart.ipynb", kernel_name, tmp_path, monkeypatch)
    summaries = [o["data"]["text/html"] for o in outputs(notebook)
                 if "text/html" in o.get("data", {}) and "p_seeking_membership" in o["data"]["text/html"]]
    assert any("Belarus" in table and "Kazakhstan" in table for table in summaries), "no summary of both states"
    text = text_of(notebook)
    assert "sanction_relief" in text and "western_exposure" in text  # the explain() tables
    assert any("p_seeking_post_low95" in table for table in summaries), "no run under the posterior"
    assert images(notebook) >= 4  # two timelines, the why figure and the shares under the posterior


@pytest.mark.usefixtures("unchanged_notebook_dir")
def test_02_change_the_pressures(kernel_name, tmp_path, monkeypatch):
    notebook = execute(NOTEBOOK_DIR / "02_change_the_pressures.ipynb", kernel_name, tmp_path, monkeypatch)
    assert "set in code: states.Kazakhstan.indicators.sanctions=0.9" in text_of(notebook)  # provenance kept
    widget_views = [o for o in outputs(notebook) if WIDGET_VIEW in o.get("data", {})]
    assert widget_views, "the slider cell rendered no widget"
    # The sliders' first rendering ran the model: its summary and timeline are in the output area.
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    captured = [o for m in state.values() if m.get("model_name") == "OutputModel" for o in m["state"]["outputs"]]
    assert any("image/png" in o.get("data", {}) for o in captured)
    assert any("Kazakhstan" in json.dumps(o.get("data", {})) for o in captured)


@pytest.mark.usefixtures("unchanged_notebook_dir")
def test_03_sweeps_and_sensitivity(kernel_name, tmp_path, monkeypatch):
    notebook = execute(NOTEBOOK_DIR / "03_sweeps_and_sensitivity.ipynb", kernel_name, tmp_path, monkeypatch)
    folder = tmp_path / "03_sweeps"
    for sweep in ("grid", "sobol"):
        assert (folder / sweep / "sweep.json").is_file()
    grid = json.loads((folder / "grid" / "sweep.json").read_text())
    assert grid["total_runs"] == 6 * 4 * 5  # the small grid
    text = text_of(notebook)
    assert "0 failed" in text and "ST_conf" in text
    assert images(notebook) >= 2  # the phase diagram and the Sobol' indices


@pytest.mark.usefixtures("unchanged_notebook_dir")
def test_04_write_your_own_scenario(kernel_name, tmp_path, monkeypatch):
    notebook = execute(NOTEBOOK_DIR / "04_write_your_own_scenario.ipynb", kernel_name, tmp_path, monkeypatch)
    assert (tmp_path / "04_scenario" / "ruritania.yaml").is_file()
    text = text_of(notebook)
    assert "did you mean 'sanctions'" in text  # the deliberate mistakes, reported
    assert "give exactly one of 'source' or 'assumption'" in text
    assert "trade shares sum to 1.100" in text
    assert "investment_russia" in text and "filled_with" in text  # the filled missing values, reported
    assert images(notebook) >= 2


@pytest.mark.usefixtures("unchanged_notebook_dir")
def test_05_what_flips_a_choice(kernel_name, tmp_path, monkeypatch):
    notebook = execute(NOTEBOOK_DIR / "05_what_flips_a_choice.ipynb", kernel_name, tmp_path, monkeypatch)
    assert json.loads((tmp_path / "05_discovery" / "lhs" / "sweep.json").read_text())["total_runs"] == 100 * 2
    text = text_of(notebook)
    assert "200 runs, 0 failed" in text
    assert "Kazakhstan: p_member_final in the top 30% of points" in text and "(density)" in text
    assert "the EMA route and our sweep give the same outcome table for 5 points: True" in text
    assert "qp_lower" in text  # the box's table
    assert images(notebook) >= 2  # the peeling trajectory and the box with the counterfactual
