"""portfolio explore: levers become --set overrides; the page's figures are those of the scenario run with
them (the same draws and seed); "save as scenario" writes a file that runs to the same figures; the page
works in headless Chromium (selenium with Debian's chromium-driver)."""
from __future__ import annotations

import json
import shutil
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest

import portfolio
from portfolio.analysis.explore import Explorer, Levers, overrides, serve, url
from portfolio.problems import UserError
from portfolio.uncertainty.quantities import parse_uncertain, scaled, shifted, written
from tests.conftest import CHUXIONG

BASELINE = CHUXIONG / "baseline.yaml"
DRAWS = 400
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_a_shift_keeps_the_spread_and_a_scale_scales_every_unit_parameter():
    pert = parse_uncertain("pert(0.60, 0.71, 0.83)", "fraction")
    u = np.linspace(0.01, 0.99, 25)
    moved = shifted(pert, 0.02)
    np.testing.assert_allclose(moved.distribution().ppf(u), pert.distribution().ppf(u) + 0.02, atol=1e-12)
    normal = parse_uncertain({"dist": "normal", "mean": 0.02, "sd": 0.005, "low": -0.01, "high": 0.05}, "fraction")
    np.testing.assert_allclose(shifted(normal, -0.01).distribution().ppf(u), normal.distribution().ppf(u) - 0.01,
                               atol=1e-12)
    np.testing.assert_allclose(scaled(pert, 1.5).distribution().ppf(u), pert.distribution().ppf(u) * 1.5, rtol=1e-12)
    assert shifted(0.7, 0.02) == pytest.approx(0.72) and scaled(30.0, 1.2) == pytest.approx(36.0)
    for value in (moved, scaled(normal, 2), 0.25):                     # a --set value reads back the same
        import yaml

        assert parse_uncertain(yaml.safe_load(written(value)), "fraction") == value
    with pytest.raises(ValueError, match="cannot be shifted"):
        shifted(parse_uncertain("lognormal(10, 15)", "money"), 1)


def test_levers_become_set_overrides_and_nothing_moved_is_no_override():
    scenario = portfolio.load_scenario(BASELINE)
    assert overrides(scenario, Levers()) == []
    airport = scenario.project("airport")
    sets = overrides(scenario, Levers(delays={"airport": 1.5}, cancelled=("pv_1",)))
    assert sets == ["projects.pv_1.cancel_probability=1", f"projects.airport.planned_start={airport.planned_start + 1.5!r}"]
    variant = portfolio.load_scenario(BASELINE, sets)
    assert variant.project("airport").planned_start == pytest.approx(airport.planned_start + 1.5)
    assert variant.project("pv_1").cancel_probability == 1
    moved = portfolio.load_scenario(BASELINE, overrides(scenario, Levers(investment_rate=0.02, tfp_growth=-0.005)))
    assert moved.economy.investment_rate == shifted(scenario.economy.investment_rate, 0.02)
    assert moved.economy.tfp_growth == shifted(scenario.economy.tfp_growth, -0.005)
    with pytest.raises(UserError, match="no project nowhere"):
        overrides(scenario, Levers(cancelled=("nowhere",)))


def test_the_capex_lever_is_goal_seeks_capex_scale_written_into_the_scenario():
    """Scaling every project's capex and every technology's capex per kW in the file gives the run that goal
    seek's compiled ``capex_scale`` gives, draw for draw."""
    from portfolio.analysis.goalseek import with_lever
    from portfolio.model.compiled import compile_scenario

    scenario = portfolio.load_scenario(BASELINE)
    written_in = portfolio.simulate(portfolio.load_scenario(BASELINE, overrides(scenario, Levers(capex_scale=1.3))),
                                    draws=DRAWS)
    compiled = portfolio.simulate(scenario, draws=DRAWS, compiled=with_lever(compile_scenario(scenario), "capex_scale", 1.3))
    np.testing.assert_allclose(written_in.data.gdp, compiled.data.gdp, rtol=1e-12)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    explorer = Explorer(BASELINE, draws=DRAWS, out=tmp_path_factory.mktemp("explore"), lang="en")
    httpd = serve(explorer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield explorer, url(httpd)
    httpd.shutdown()
    httpd.server_close()


def _post(address: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(address + path.lstrip("/"), data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _expected(levers: Levers, seed: int) -> dict:
    scenario = portfolio.load_scenario(BASELINE)
    result = portfolio.simulate(portfolio.load_scenario(BASELINE, overrides(scenario, levers)), draws=DRAWS, seed=seed)
    return {t["name"]: t["probability"] for t in result.summary()["targets"]}


def test_the_server_listens_on_loopback_on_a_free_port_and_serves_one_self_contained_page(server):
    explorer, address = server
    assert address.startswith("http://127.0.0.1:") and not address.endswith(":0/")
    with urllib.request.urlopen(address, timeout=30) as response:
        page = response.read().decode("utf-8")
    assert "<script>" in page and "src=" not in page and "http" not in page.replace(address, "")
    assert "Save as scenario" in page and "另存为情景" in page                    # both languages inside
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(address + "elsewhere", timeout=30)


def test_the_page_shows_the_run_of_the_scenario_with_the_levers_on_common_random_numbers(server):
    explorer, address = server
    levers = {"delays": {"airport": 2}, "cancelled": ["petrochem_park"], "investment_rate": 0.03}
    status, shown = _post(address, "/api/simulate", {"levers": levers})
    assert status == 200
    expected = _expected(Levers.from_json(levers), explorer.seed)
    assert {t["name"]: t["probability"] for t in shown["targets"]} == expected
    assert shown["draws"] == DRAWS and len(shown["fan"]["years"]) == len(shown["fan"]["p50"])
    assert all(a <= b <= c for a, b, c in zip(shown["fan"]["p5"], shown["fan"]["p50"], shown["fan"]["p95"]))
    # what moves average growth: each source's mean contribution over the plan window, as the run's own
    from portfolio.model.engine import CONTRIBUTIONS

    result = portfolio.simulate(explorer.variant(Levers.from_json(levers)), draws=DRAWS, seed=explorer.seed)
    first, last = shown["growth_window"]
    years = result.years()
    for d in shown["drivers"]:
        assert d["value"] == pytest.approx(years.loc[first:last, f"contribution_{d['key']}"].mean(), rel=1e-12, abs=1e-15)
    assert [d["key"] for d in shown["drivers"]] == list(CONTRIBUTIONS)
    status, bad = _post(address, "/api/simulate", {"levers": {"cancelled": ["nowhere"]}})
    assert status == 400 and "nowhere" in bad["error"]


def test_save_as_scenario_writes_a_file_that_runs_to_the_figures_shown(server):
    explorer, address = server
    levers = {"delays": {"airport": 1}, "tfp_growth": -0.004, "capex_scale": 1.1}
    _, shown = _post(address, "/api/simulate", {"levers": levers})
    status, saved = _post(address, "/api/save", {"levers": levers, "name": "late-airport"})
    assert status == 200
    scenario = portfolio.load_scenario(saved["path"])
    assert scenario.meta.name == "late-airport"
    result = portfolio.simulate(scenario, draws=DRAWS, seed=explorer.seed)
    assert [t["probability"] for t in result.summary()["targets"]] == [t["probability"] for t in shown["targets"]]
    status, refused = _post(address, "/api/save", {"levers": {}, "name": "../escape"})
    assert status == 400 and not (explorer.out.parent / "escape.yaml").exists()


def test_the_report_button_runs_the_setting_and_writes_its_report(server):
    """/api/report: the setting saved as a scenario, run into out/<name>/ with the explorer's draws and
    seed (the run folder's summary has the probabilities the page showed) and its HTML report written."""
    from pathlib import Path

    explorer, address = server
    levers = {"delays": {"airport": 1}}
    _, shown = _post(address, "/api/simulate", {"levers": levers})
    status, written = _post(address, "/api/report", {"levers": levers, "name": "airport-late", "lang": "en"})
    assert status == 200, written
    report = Path(written["path"])
    assert report.name == "report_en.html" and report.parent == explorer.out / "airport-late"
    summary = json.loads((report.parent / "summary.json").read_text(encoding="utf-8"))
    assert [t["probability"] for t in summary["targets"]] == [t["probability"] for t in shown["targets"]]
    assert "<html" in report.read_text(encoding="utf-8")[:200].lower()
    status, refused = _post(address, "/api/report", {"levers": levers, "name": "../up"})
    assert status == 400


@pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None, reason="needs Debian's chromium and chromium-driver "
                    "(apt-get install chromium chromium-driver; .ci/run installs them)")
def test_the_page_in_headless_chromium(server):
    """Load the page, cancel a project, see the new probability equal the scenario's run with it; switch to
    Chinese; save as scenario."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    explorer, address = server
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    browser = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        wait = WebDriverWait(browser, 120)
        browser.get(address)
        wait.until(lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-simulated") == "1")
        first = _expected(Levers(), explorer.seed)["growth_2021_2025"]
        cell = browser.find_element(By.ID, "p-growth_2021_2025")
        assert cell.text.startswith(f"{first * 100:.1f}%")
        assert browser.find_element(By.ID, "h-cancel").text == "Cancel"
        cancelled = "pvm_polysilicon"
        browser.find_element(By.ID, f"cancel-{cancelled}").click()
        wait.until(lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-simulated") == "2")
        after = _expected(Levers(cancelled=(cancelled,)), explorer.seed)["growth_2021_2025"]
        assert browser.find_element(By.ID, "p-growth_2021_2025").text.startswith(f"{after * 100:.1f}%")
        assert browser.find_element(By.ID, "fan").find_elements(By.TAG_NAME, "polygon")
        # the cancelled plant's construction no longer adds demand: the change column says so
        assert browser.find_element(By.ID, "change-construction").text.startswith("-")
        browser.find_element(By.ID, "lang").click()                                  # 中文
        assert browser.find_element(By.ID, "h-cancel").text == "取消"
        assert browser.find_element(By.ID, "save").text == "另存为情景"
        browser.find_element(By.ID, "name").send_keys("no-polysilicon")
        browser.find_element(By.ID, "save").click()
        wait.until(lambda b: b.find_element(By.ID, "saved").text)
        saved = explorer.out / "no-polysilicon.yaml"
        assert saved.is_file() and str(saved) in browser.find_element(By.ID, "saved").text
        assert portfolio.load_scenario(saved).project(cancelled).cancel_probability == 1
        errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
        assert not errors, errors
    finally:
        browser.quit()


def test_the_command_prints_its_loopback_address_serves_the_page_and_stops_on_ctrl_c(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    portfolio_cmd = Path(sys.executable).parent / "portfolio"
    process = subprocess.Popen([str(portfolio_cmd), "explore", str(BASELINE), "--no-browser", "--draws", "200",
                                "--out", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        line = process.stdout.readline()
        address = line.split()[2]
        assert address.startswith("http://127.0.0.1:"), line
        with urllib.request.urlopen(address, timeout=60) as response:
            assert "portfolio explore" in response.read().decode("utf-8")
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0 and "stopped" in err and "Traceback" not in err


def test_portfolio_explore_serves_the_page_in_the_background_and_stops(tmp_path, monkeypatch):
    """The one-call API: the page served from a thread (the caller goes on), the browser asked to open
    its address (recorded here, not started), the same figures as the page's call, then stopped."""
    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    explorer = portfolio.explore(BASELINE, draws=DRAWS, out=tmp_path, lang="en")
    try:
        address = explorer.url
        assert opened == [address] and address.startswith("http://127.0.0.1:") and address in repr(explorer)
        with urllib.request.urlopen(address, timeout=30) as response:
            assert "Save as scenario" in response.read().decode("utf-8")
        levers = {"cancelled": ["airport"]}
        status, shown = _post(address, "/api/simulate", {"levers": levers})
        assert status == 200
        direct = explorer.simulate(Levers.from_json(levers))
        assert [t["probability"] for t in shown["targets"]] == [t["probability"] for t in direct["targets"]]
        assert shown["fan"] == direct["fan"]
    finally:
        explorer.stop()
    assert explorer.url is None and "not served" in repr(explorer)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(address, timeout=5)
    quiet = portfolio.explore(BASELINE, draws=DRAWS, out=tmp_path, browser=False, port=0)
    try:
        assert len(opened) == 1 and quiet.url.startswith("http://127.0.0.1:")      # no browser this time
    finally:
        quiet.stop()
