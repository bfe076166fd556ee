"""The report: HTML that opens in headless Chromium with every image loaded and no console error,
DOCX that python-docx reads back with the headline, the tables and the images, Markdown with its image
files; the headline and tables say what summary.json says; sources come from the scenario file."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_charts import CHUXIONG, KINDS, shared_run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not on PATH "
                                    "(apt-get install chromium; .ci/run installs it)")
PROBE = """
<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message || e.type)), true);
const original = console.error;
console.error = (...args) => { window.__errors.push(args.join(" ")); original(...args); };
window.addEventListener("load", () => {
  const images = Array.from(document.images).map(i => ({w: i.naturalWidth, h: i.naturalHeight, ok: i.complete}));
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({images, errors: window.__errors, title: document.title,
                                    text: document.body.innerText.length, fonts: document.fonts.status});
  document.body.appendChild(out);
});
</script>
"""


def run_cli(*args):
    from portfolio.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="session")
def chuxiong_run(tmp_path_factory) -> Path:
    return shared_run(tmp_path_factory, "chuxiong", CHUXIONG)


@pytest.fixture(scope="module")
def html_report(chuxiong_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    result = run_cli("report", chuxiong_run, "--format", "html", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def chromium(*args, user_data: Path, timeout: int = 90) -> subprocess.CompletedProcess:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={user_data}", "--enable-logging=stderr", "--v=0", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def probe(page: Path, tmp_path: Path) -> tuple[dict, str]:
    """Open a copy of ``page`` with the probe script in Chromium; return what it found and stderr."""
    copy = tmp_path / f"probe-{page.name}"
    copy.write_text(page.read_text(encoding="utf-8").replace("<body>", "<body>" + PROBE, 1), encoding="utf-8")
    done = chromium("--virtual-time-budget=15000", "--dump-dom", copy.as_uri(), user_data=tmp_path / "profile")
    match = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert match, f"Chromium did not render the page:\n{done.stderr[-2000:]}"
    found = json.loads(match.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
                       .replace("&quot;", '"'))
    return found, done.stderr


def console_errors(stderr: str, page: Path) -> list[str]:
    """Console messages of the page in Chromium's log (errors and uncaught exceptions)."""
    return [line for line in stderr.splitlines() if "CONSOLE" in line and page.name in line]


# ----------------------------------------------------------------------------------- HTML
@needs_chromium
def test_html_report_renders_in_headless_chromium_with_every_image_and_no_console_error(html_report, tmp_path):
    found, stderr = probe(html_report, tmp_path)
    assert len(found["images"]) == len(KINDS)
    assert all(i["ok"] and i["w"] > 0 and i["h"] > 0 for i in found["images"]), found["images"]
    assert found["errors"] == []
    assert console_errors(stderr, html_report) == []
    assert "规划目标情景分析" in found["title"]
    assert found["text"] > 2000
    shot = tmp_path / "shot.png"
    chromium("--hide-scrollbars", "--window-size=1000,1400", f"--screenshot={shot}", html_report.as_uri(),
             user_data=tmp_path / "profile2")
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1000, 1400)
        grey = image.convert("L")
        import numpy as np

        assert len(np.unique(np.asarray(grey))) > 50   # text, tables and a chart, not a blank page
        assert grey.getextrema()[0] < 60


@needs_chromium
def test_the_chromium_probe_sees_broken_images_and_script_errors(tmp_path):
    """The checks above are not vacuous: a page with a missing image and a failing script is caught."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><body><img src="missing.png"><img src="data:image/png;base64,AAAA">'
                    "<script>console.error('boom'); undefinedFunction();</script></body></html>", encoding="utf-8")
    found, stderr = probe(page, tmp_path)
    assert [i["w"] for i in found["images"]] == [0, 0]
    assert any("boom" in e for e in found["errors"])
    logged = console_errors(stderr, page)
    assert any("boom" in line for line in logged) and any("Uncaught ReferenceError" in line for line in logged)


def test_html_report_is_one_self_contained_file(html_report, chuxiong_run):
    page = html_report.read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == len(KINDS)
    assert re.search(r'(src|href)="(https?:)?//', page) is None
    assert "@font-face" in page                       # Chinese shows the same on any machine
    assert page.count("<figcaption>") == len(KINDS)
    summary = json.loads((chuxiong_run / "summary.json").read_text(encoding="utf-8"))
    p = summary["targets"][0]["probability"]
    assert f"概率为{p * 100:.1f}%" in page
    manifest = json.loads((chuxiong_run / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["input_files"].values():
        assert entry["sha256"] in page
    assert str(manifest["seed"]) in page


# ----------------------------------------------------------------------------------- DOCX and Markdown
def test_docx_holds_the_headline_the_tables_and_every_chart(chuxiong_run, tmp_path):
    import docx

    from portfolio.outputs.report.run import headline
    from portfolio.outputs.rundata import RunData

    out = tmp_path / "report.docx"
    result = run_cli("report", chuxiong_run, "--format", "docx", "--lang", "en", "--out", out)
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    data = RunData.from_folder(chuxiong_run)
    assert headline(data, "en") in text
    assert "Across 2,000 simulated futures, the probability of" in text
    assert len(document.inline_shapes) == len(KINDS)
    assert all(abs(s.width.cm - 15.6) < 0.05 for s in document.inline_shapes)     # the GB/T 9704 text width
    # key figures, assumptions, projects, the schedule risk of the two completion targets, the groups, manifest
    assert len(document.tables) == 7
    key, assumptions, projects, energy_path, airport_path, groups, manifest = document.tables
    assert key.rows[0].cells[0].text == "Figure"
    assert len(projects.rows) == 1 + len(data.projects) == 25              # header, 22 projects, two milestones
    assert {r.cells[0].text for r in projects.rows[1:]} == set(data.projects["name_en"])
    assert any(r.cells[0].text == "economy.capital_share" for r in assumptions.rows)
    assert any("sha256" in r.cells[1].text for r in manifest.rows)
    # the airport milestone waits for the airport alone; the energy base's path runs through its phases
    assert [r.cells[0].text for r in airport_path.rows[1:]] == ["Chuxiong civil airport"]
    assert airport_path.rows[1].cells[1].text.startswith("100.0%")
    assert {r.cells[0].text for r in energy_path.rows[1:]} <= set(data.projects["name_en"])
    assert "Hydropower additions" in {r.cells[0].text for r in energy_path.rows[1:]}
    assert [r.cells[0].text for r in groups.rows[1:]] == list(data.schedule["groups"]["name_en"])
    assert "Schedule risk: Chuxiong airport open by its planned date (start of 2026)" in text
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert len(captions) == len(KINDS) and captions[0].startswith("Figure 1.")


def test_markdown_report_links_its_image_files(chuxiong_run, tmp_path):
    from PIL import Image

    out = tmp_path / "md" / "report.md"
    result = run_cli("report", chuxiong_run, "--format", "md", "--lang", "zh", "--out", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == len(KINDS)
    for link in links:
        with Image.open(out.parent / link) as image:
            assert image.width > 1800
    assert text.count("\n| ") > 40 and "## 主要假设" in text and "## 运行记录" in text


def test_default_report_goes_into_the_run_folder_in_the_scenarios_language(chuxiong_run, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(chuxiong_run, folder)
    result = run_cli("report", folder)
    assert result.exit_code == 0, result.output
    assert (folder / "report_zh.html").is_file()


# ----------------------------------------------------------------------------------- content
def test_headline_states_the_probability_its_interval_and_the_main_reason(chuxiong_run):
    from portfolio.outputs.report.run import headline
    from portfolio.outputs.rundata import RunData

    data = RunData.from_folder(chuxiong_run)
    target = data.summary["targets"][0]
    low, high = target["ci95"]
    zh, en = headline(data, "zh"), headline(data, "en")
    assert f"{target['probability'] * 100:.1f}%" in zh and f"{low * 100:.1f}%–{high * 100:.1f}%" in zh
    assert "主要原因" in zh and zh.endswith("。") and zh.count("。") == 1
    assert en.startswith("Across") and "main reason" in en and en.endswith(".")
    c = data.summary["contributions"]
    portfolio = c["construction"] + c["operation"] + c["energy"]
    assert f"the projects only {portfolio:.1f}" in en


def test_assumptions_give_each_input_its_distribution_range_and_source(chuxiong_run):
    from portfolio.outputs.report.run import assumption_rows
    from portfolio.outputs.rundata import RunData

    data = RunData.from_folder(chuxiong_run)
    rows = {r["input"]: r for r in assumption_rows(data)}
    assert not [k for k in rows if k.startswith(("start_", "finish_"))]     # per-draw dates are outcomes
    share = rows["economy.capital_share"]
    assert share["spec"] == "pert(0.40, 0.50, 0.60)"
    assert 0.40 < share["p5"] < share["p50"] < share["p95"] < 0.60
    assert "facts economy.capital_share_alpha" in share["source"]          # the comment on its line
    assert "0.80 - 0.084" in rows["economy.investment_rate"]["source"]       # the comment block above it
    assert rows["economy.gdp"]["p5"] is None and rows["economy.gdp"]["spec"] == "1372 × 100 million yuan"
    airport = rows["projects.airport.capex"]
    assert airport["spec"] == "24.5 × 100 million yuan" and airport["source"].startswith("facts projects.airport (S)")
    chinese = {r["input"]: r for r in assumption_rows(data, "zh")}          # as the scenario writes it
    assert chinese["economy.gdp"]["spec"] == "1372 亿元" and chinese["projects.airport.capex"]["spec"] == "24.5 亿元"
    assert rows["projects.airport.cost_ratio"]["spec"] == "reference class airport"
    assert rows["energy.emission_factor"]["source"].startswith("Ministry of Ecology and Environment")
    assert rows["uncertainty.drivers.approvals.start_delay"]["p95"] > 0


def test_report_without_its_input_files_still_works_without_sources(chuxiong_run, tmp_path):
    from portfolio.outputs.report.run import assumption_rows, source_comments
    from portfolio.outputs.rundata import RunData

    folder = tmp_path / "moved"
    shutil.copytree(chuxiong_run, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["input_files"].values():
        entry["sha256"] = "0" * 64                                           # files changed since
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    data = RunData.from_folder(folder)
    assert source_comments(data) == {}
    rows = {r["input"]: r for r in assumption_rows(data)}
    assert rows["economy.capital_share"]["source"] == ""
    assert rows["projects.airport.capex"]["source"].startswith("facts projects.airport")


def test_report_command_errors(tmp_path):
    result = run_cli("report", tmp_path / "nowhere")
    assert result.exit_code == 2 and "no such run folder" in result.stderr
    assert run_cli("report", tmp_path, "--format", "pdf").exit_code == 2


TABLE_PROBE = """<script>window.addEventListener("load", () => {
  const body = document.body, style = getComputedStyle(body);
  const right = body.getBoundingClientRect().right - parseFloat(style.paddingRight);
  const tables = Array.from(document.querySelectorAll("table")).map(t => t.getBoundingClientRect().right);
  const out = document.createElement("pre"); out.id = "tables";
  out.textContent = JSON.stringify({right, tables}); document.body.appendChild(out);});</script>"""


@needs_chromium
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_report_table_fits_the_text_column_of_a_1200_px_window(chuxiong_run, tmp_path, lang):
    page = tmp_path / f"report_{lang}.html"
    assert run_cli("report", chuxiong_run, "--lang", lang, "--out", page).exit_code == 0
    page.write_text(page.read_text(encoding="utf-8").replace("<body>", "<body>" + TABLE_PROBE, 1), encoding="utf-8")
    done = chromium("--window-size=1200,1600", "--virtual-time-budget=15000", "--dump-dom", page.as_uri(),
                    user_data=tmp_path / "profile")
    match = re.search(r'<pre id="tables">(.*?)</pre>', done.stdout, re.S)
    assert match, done.stderr[-2000:]
    found = json.loads(match.group(1).replace("&quot;", '"'))
    assert len(found["tables"]) >= 4
    assert all(right <= found["right"] + 0.5 for right in found["tables"]), found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_assumption_ranges_are_shown_in_display_units(chuxiong_run, lang):
    from portfolio.outputs.names import Names
    from portfolio.outputs.report.run import assumption_rows, assumptions_report_table
    from portfolio.outputs.rundata import RunData

    data = RunData.from_folder(chuxiong_run)
    rows = {r["input"]: r for r in assumption_rows(data, lang)}
    table = {row[0]: row for row in assumptions_report_table(data, lang).rows}
    names = Names(data.scenario, lang)
    share = rows["economy.capital_share"]
    assert table["economy.capital_share"][2] == f"{names.value('economy.capital_share', share['p5'])} – " \
                                                f"{names.value('economy.capital_share', share['p95'])}"
    assert re.fullmatch(r"\d+\.\d% – \d+\.\d%", table["economy.capital_share"][2])        # 43.8% – 56.1%
    hours = table["energy.technologies.pv.full_load_hours"][2]
    assert hours.endswith("小时" if lang == "zh" else " h") and "," in hours                 # 1,185 h – 1,661 h


def test_html_cells_break_an_input_path_after_its_dots_but_never_a_number():
    from portfolio.outputs.report.document import _html_cell

    assert _html_cell("economy.tfp_growth") == "<td>economy.<wbr>tfp_<wbr>growth</td>"
    for number in ("0.030", "1.5", "12.25%"):
        assert "<wbr>" not in _html_cell(number) and 'class="num"' in _html_cell(number)
