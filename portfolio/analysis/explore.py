"""``portfolio explore``: a scenario's levers on a local web page, for a planning meeting.

The page (one self-contained HTML file: its script and style inline, nothing from the network) shows
each target's probability with its 95% interval and the growth fan, and has levers: delay or cancel
any project, move the non-portfolio investment rate and long-run TFP growth (their spreads kept), scale
every project's capex. Each change re-simulates on the scenario's seed — common random numbers, so a
lever's effect is not Monte Carlo noise — with a few thousand draws, about a second. "Save as scenario"
writes the resolved scenario with the levers applied, a file every command runs.

A lever setting is turned into ``--set`` overrides (``overrides``), so what the page shows is exactly
``portfolio run SCENARIO --set ...`` with the same draws and seed. The server listens on 127.0.0.1 by
default, on a free port, and serves only this page and its two calls.
"""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from portfolio.outputs import texts as L
from portfolio.outputs.textsummary import target_cells
from portfolio.problems import InputError, UserError

DEFAULT_DRAWS = 2000
MAX_BODY = 100_000                      # bytes of a request body: a lever setting is far smaller
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
FAN = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class Levers:
    """A setting of the page's levers; the default changes nothing."""

    delays: dict = field(default_factory=dict)   # project id → years its planned start moves later
    cancelled: tuple = ()                        # project ids cancelled in every draw
    investment_rate: float = 0.0                 # added to the non-portfolio investment rate (a fraction)
    tfp_growth: float = 0.0                      # added to long-run TFP growth (a fraction)
    capex_scale: float = 1.0                     # every project's capex (energy: capex per kW) times this

    @classmethod
    def from_json(cls, data: dict) -> "Levers":
        """Levers from the page's JSON; UserError for anything that is not a lever setting."""
        try:
            delays = {str(k): float(v) for k, v in (data.get("delays") or {}).items() if float(v) != 0}
            return cls(delays=delays, cancelled=tuple(str(i) for i in data.get("cancelled") or ()),
                       investment_rate=float(data.get("investment_rate") or 0),
                       tfp_growth=float(data.get("tfp_growth") or 0),
                       capex_scale=float(data.get("capex_scale") if data.get("capex_scale") is not None else 1))
        except (TypeError, ValueError, AttributeError) as exc:
            raise UserError(f"not a lever setting: {exc}") from None


def overrides(scenario, levers: Levers) -> list[str]:
    """The ``--set`` overrides that apply ``levers`` to ``scenario`` (a loaded Scenario)."""
    from portfolio.uncertainty.quantities import scaled, shifted, written

    ids = {p.id for p in scenario.projects}
    unknown = sorted((set(levers.delays) | set(levers.cancelled)) - ids)
    if unknown:
        raise UserError(f"no project {', '.join(unknown)} in the scenario")
    out = []
    for p in scenario.projects:
        if levers.delays.get(p.id):
            out.append(f"projects.{p.id}.planned_start={p.planned_start + levers.delays[p.id]!r}")
        if p.id in levers.cancelled:
            out.append(f"projects.{p.id}.cancel_probability=1")
        if levers.capex_scale != 1 and p.capex is not None:
            out.append(f"projects.{p.id}.capex={written(scaled(p.capex, levers.capex_scale))}")
    if levers.capex_scale != 1:
        for tech, t in scenario.energy.technologies.items():
            if isinstance(t.capex_per_kw, dict):
                table = {int(y): float(f"{v * levers.capex_scale:.12g}") for y, v in t.capex_per_kw.items()}
                out.append(f"energy.technologies.{tech}.capex_per_kw={json.dumps(table)}")
            elif t.capex_per_kw is not None:
                out.append(f"energy.technologies.{tech}.capex_per_kw={written(scaled(t.capex_per_kw, levers.capex_scale))}")
    for key in ("investment_rate", "tfp_growth"):
        delta = getattr(levers, key)
        if delta:
            try:
                out.append(f"economy.{key}={written(shifted(getattr(scenario.economy, key), delta))}")
            except ValueError as exc:
                raise UserError(f"economy.{key}: {exc}") from None
    return out


class Explorer:
    """A scenario file, its draws and seed, and what the page asks of them: ``simulate(levers)`` →
    figures for the page, ``save(levers, name)`` → a scenario file in ``out``."""

    def __init__(self, path, draws: int = DEFAULT_DRAWS, seed: int | None = None, base_overrides=(),
                 out=Path("outputs/explore"), lang: str | None = None):
        from portfolio.scenario.loading import load_scenario

        self.path = Path(path)
        self.base_overrides = list(base_overrides)
        self.scenario = load_scenario(self.path, self.base_overrides)
        self.draws = int(draws)
        self.seed = self.scenario.simulation.seed if seed is None else int(seed)
        self.out = Path(out)
        self.lang = lang or self.scenario.meta.language
        self._lock = threading.Lock()              # one simulation at a time: the machine is the meeting's
        self.server: ThreadingHTTPServer | None = None   # set by start(): the page served in the background

    @property
    def url(self) -> str | None:
        """The page's address while it is served (``start``), else None."""
        return url(self.server) if self.server is not None else None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve the page from a background thread (a notebook keeps running); its address."""
        if self.server is None:
            self.server = serve(self, host, port)
            threading.Thread(target=self.server.serve_forever, name="portfolio-explore", daemon=True).start()
        return self.url

    def stop(self) -> None:
        """Stop serving the page (nothing to do when it is not served)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __repr__(self) -> str:
        where = f"serving {self.url}" if self.server is not None else "not served (start() serves it)"
        return f"<Explorer {self.path.name}: {self.draws:,} draws, seed {self.seed}; {where}>"

    def variant(self, levers: Levers):
        """The scenario with the levers applied (validated; InputError when a lever breaks a rule)."""
        from portfolio.scenario.loading import load_scenario

        return load_scenario(self.path, self.base_overrides + overrides(self.scenario, levers))

    def simulate(self, levers: Levers) -> dict:
        """{targets: [...], fan: {years, p5 … p95}, seconds} of the scenario with the levers applied."""
        from portfolio.runs.simulate import simulate

        began = time.perf_counter()
        with self._lock:
            result = simulate(self.variant(levers), draws=self.draws, seed=self.seed)
        summary = result.summary()
        years = result.years().loc[int(result.years_index[1]):]
        targets = []
        for t in summary["targets"]:
            name, p, interval, what, quantiles = target_cells(t)
            label = t.get("label") or {"zh": name, "en": name}
            targets.append({"name": name, "label": label, "probability": t["probability"], "ci95": t["ci95"],
                            "text": f"{p} {interval}", "asks": what, "outcome": quantiles})
        fan = {"years": [int(y) for y in years.index]}
        fan.update({f"p{q}": [float(v) for v in years[f"growth_p{q}"]] for q in FAN})
        window = next((t["window"] for t in summary["targets"] if t["metric"] == "average_growth"), None)
        threshold = next((t["threshold"] for t in summary["targets"] if t["metric"] == "average_growth"), None)
        # what moves average growth over the plan window: each source's mean contribution [fraction per year]
        first, last = result.growth_window()
        span = slice(first - int(result.years_index[1]), last - int(result.years_index[1]) + 1)
        drivers = [{"key": k, "label": {lang: L.text(f"contrib.{k}", lang) for lang in ("zh", "en")},
                    "value": float(np.mean(v[span]))} for k, v in result.mean_contributions().items()]
        return {"targets": targets, "fan": fan, "target_window": window, "target_growth": threshold,
                "drivers": drivers, "growth_window": [first, last],
                "draws": self.draws, "seed": self.seed, "invalid_draws": summary["invalid_draws"],
                "seconds": round(time.perf_counter() - began, 2)}

    def save(self, levers: Levers, name: str) -> Path:
        """Write the resolved scenario with the levers applied as ``out/<name>.yaml`` (meta.name = name)."""
        from portfolio.scenario.loading import load_scenario, origin
        from portfolio.scenario.resolved_yaml import dump

        if not NAME.match(name or ""):
            raise UserError("a scenario name is letters, digits, '-' and '_' (at most 80)")
        scenario = load_scenario(self.path, self.base_overrides + overrides(self.scenario, levers)
                                 + [f"meta.name={name}"])
        self.out.mkdir(parents=True, exist_ok=True)
        target = self.out / f"{name}.yaml"
        lines = [f"# {name}: {self.path.name} with the levers of portfolio explore", "# " + "; ".join(
            overrides(self.scenario, levers) or ["no lever moved"])]
        target.write_text("\n".join(lines) + "\n" + dump(origin(scenario).data), encoding="utf-8")
        return target

    def report(self, levers: Levers, name: str, lang: str | None = None) -> Path:
        """Save the setting as a scenario (``save``), run it as ``portfolio run`` would (the explorer's
        draws and seed) into ``out/<name>/`` and write its HTML report there; the report's path."""
        from portfolio.outputs.report import write_report
        from portfolio.runs.runner import run

        scenario = self.save(levers, name)
        with self._lock:
            result = run(scenario, self.out / name, draws=self.draws, seed=self.seed, force=True,
                         lang=lang or self.lang, command=f"portfolio explore … report {name}")
        return write_report(result.folder, "html", lang or self.lang)

    def page(self) -> str:
        """The page: one HTML file, the scenario's projects and both languages' texts inside it."""
        s = self.scenario
        projects = [{"id": p.id, "name": p.name.model_dump(), "start": round(p.planned_start, 2)} for p in s.projects]
        data = {"lang": self.lang, "title": s.meta.title.model_dump(), "projects": projects,
                "texts": {lang: {key[len("explore."):]: L.text(key, lang) for key in L.TEXT
                                 if key.startswith("explore.")} for lang in ("zh", "en")},
                "draws": self.draws, "seed": self.seed}
        payload = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
        return PAGE.replace("__DATA__", payload)


def _handler(explorer: Explorer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):          # quiet: the terminal shows the address, not each request
            pass

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: dict) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False, allow_nan=False).encode(), "application/json")

        def do_GET(self):
            if self.path.split("?")[0] in ("/", "/index.html"):
                self._send(200, explorer.page().encode("utf-8"), "text/html; charset=utf-8")
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self):
            size = int(self.headers.get("Content-Length") or 0)
            if size > MAX_BODY:
                return self._json(413, {"error": "request too large"})
            try:
                body = json.loads(self.rfile.read(size) or b"{}")
                levers = Levers.from_json(body.get("levers") or {})
                if self.path == "/api/simulate":
                    return self._json(200, explorer.simulate(levers))
                if self.path == "/api/save":
                    saved = explorer.save(levers, str(body.get("name") or ""))
                    return self._json(200, {"path": str(saved)})
                if self.path == "/api/report":
                    lang = body.get("lang") if body.get("lang") in ("zh", "en") else None
                    written = explorer.report(levers, str(body.get("name") or ""), lang)
                    return self._json(200, {"path": str(written)})
                return self._json(404, {"error": "not found"})
            except InputError as exc:
                return self._json(400, {"error": "; ".join(str(p) for p in exc.problems)})
            except (UserError, ValueError) as exc:
                return self._json(400, {"error": str(exc)})

    return Handler


def serve(explorer: Explorer, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A server for the page (not started: call ``serve_forever``); port 0 takes a free port."""
    server = ThreadingHTTPServer((host, port), _handler(explorer))
    server.daemon_threads = True
    return server


def url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"


def explore(scenario, *, draws: int = DEFAULT_DRAWS, seed: int | None = None, overrides=None,
            out="outputs/explore", lang: str | None = None, host: str = "127.0.0.1", port: int = 0,
            browser: bool = True) -> Explorer:
    """``portfolio explore`` from Python: the page of ``scenario`` (a file path) served from a background
    thread — the notebook or script goes on — and opened in the browser unless ``browser=False``.
    Returns the :class:`Explorer`: ``.url``, ``.stop()``, and ``.simulate(Levers(...))`` or
    ``.save(Levers(...), name)`` for what the page would show or save, without the page."""
    explorer = Explorer(scenario, draws=draws, seed=seed, base_overrides=overrides or (), out=out, lang=lang)
    address = explorer.start(host, port)
    if browser:
        import webbrowser

        webbrowser.open(address)
    return explorer


PAGE = r"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>portfolio explore</title><link rel="icon" href="data:,">
<style>
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;margin:1rem 2rem;color:#1a1a1a}
h1{font-size:1.35rem;margin:.2rem 0} .sub{color:#666;font-size:.9rem}
main{display:flex;gap:2rem;flex-wrap:wrap} section{flex:1 1 28rem}
table{border-collapse:collapse;font-size:.9rem;width:100%} td,th{border-bottom:1px solid #ddd;padding:.25rem .4rem;text-align:left}
td.p{font-size:1.25rem;font-weight:600;white-space:nowrap} .was{color:#888;font-size:.8rem}
label{display:block;margin:.5rem 0 .1rem} input[type=range]{width:100%} .value{font-weight:600}
#projects{max-height:22rem;overflow:auto} #status{color:#0072B2;min-height:1.2rem} #error{color:#b00}
button{font-size:1rem;margin:.3rem .3rem .3rem 0} svg{width:100%;height:auto;background:#fafafa}
</style></head>
<body>
<div><button id="lang" type="button"></button></div>
<h1 id="title"></h1><div class="sub" id="sub"></div>
<main>
<section>
<table id="targets"><thead><tr><th id="h-target"></th><th id="h-p"></th><th id="h-was"></th></tr></thead><tbody></tbody></table>
<svg id="fan" viewBox="0 0 640 300" role="img"></svg>
<h3 id="h-drivers" style="font-size:1rem;margin:.8rem 0 .2rem"></h3>
<table id="drivers"><thead><tr><th id="h-source"></th><th id="h-now"></th><th id="h-was2"></th><th id="h-change"></th></tr></thead><tbody></tbody></table>
<div id="status"></div><div id="error"></div>
</section>
<section>
<label for="investment_rate"><span id="l-investment"></span> <span class="value" id="v-investment_rate"></span></label>
<input type="range" id="investment_rate" min="-10" max="10" step="0.5" value="0">
<label for="tfp_growth"><span id="l-tfp"></span> <span class="value" id="v-tfp_growth"></span></label>
<input type="range" id="tfp_growth" min="-2" max="2" step="0.1" value="0">
<label for="capex_scale"><span id="l-capex"></span> <span class="value" id="v-capex_scale"></span></label>
<input type="range" id="capex_scale" min="0.5" max="2" step="0.05" value="1">
<div id="projects"><table><thead><tr><th id="h-project"></th><th id="h-delay"></th><th id="h-cancel"></th></tr></thead><tbody></tbody></table></div>
<p><button id="reset" type="button"></button></p>
<p><label for="name" id="l-name"></label><input id="name" value="">
<button id="save" type="button"></button> <button id="report" type="button"></button> <span id="saved"></span></p>
</section>
</main>
<script>
"use strict";
const DATA = __DATA__;
let lang = DATA.lang, first = null, last = null, timer = null, asked = 0;
const $ = id => document.getElementById(id);
const T = key => DATA.texts[lang][key] || key;
const pct = (x, d) => (x * 100).toFixed(d) + "%";
function levers() {
  const delays = {}, cancelled = [];
  for (const p of DATA.projects) {
    const d = parseFloat($("delay-" + p.id).value || "0");
    if (d) delays[p.id] = d;
    if ($("cancel-" + p.id).checked) cancelled.push(p.id);
  }
  return {delays, cancelled, investment_rate: parseFloat($("investment_rate").value) / 100,
          tfp_growth: parseFloat($("tfp_growth").value) / 100, capex_scale: parseFloat($("capex_scale").value)};
}
function text(id, value) { $(id).textContent = value; }
function labels() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  text("lang", lang === "zh" ? "English" : "中文");
  text("title", DATA.title[lang]);
  text("sub", T("subtitle").replace("{draws}", DATA.draws.toLocaleString("en")).replace("{seed}", DATA.seed));
  for (const [id, key] of [["h-target", "target"], ["h-p", "probability"], ["h-was", "was"], ["l-investment", "investment_rate"],
       ["l-tfp", "tfp_growth"], ["l-capex", "capex_scale"], ["h-project", "project"], ["h-delay", "delay"],
       ["h-cancel", "cancel"], ["reset", "reset"], ["l-name", "name"], ["save", "save"], ["h-source", "source"],
       ["h-now", "now"], ["h-was2", "was"], ["h-change", "change"], ["report", "report"]]) text(id, T(key));
  for (const p of DATA.projects) text("name-" + p.id, p.name[lang]);
  const iv = parseFloat($("investment_rate").value), tv = parseFloat($("tfp_growth").value);
  text("v-investment_rate", (iv > 0 ? "+" : "") + iv.toFixed(1) + " " + T("points"));
  text("v-tfp_growth", (tv > 0 ? "+" : "") + tv.toFixed(1) + " " + T("points"));
  text("v-capex_scale", "× " + parseFloat($("capex_scale").value).toFixed(2));
  if (last) show(last);
}
function show(r) {
  const body = $("targets").tBodies[0];
  body.textContent = "";
  r.targets.forEach((t, i) => {
    const row = body.insertRow();
    row.insertCell().textContent = t.label[lang] || t.name;
    const p = row.insertCell(); p.className = "p"; p.id = "p-" + t.name; p.textContent = t.text;
    const was = row.insertCell(); was.className = "was";
    was.textContent = first ? first.targets[i].text : "";
  });
  text("h-drivers", T("drivers").replace("{first}", r.growth_window[0]).replace("{last}", r.growth_window[1]));
  const pp = v => { const x = Math.round(v * 10000) / 100; return (x > 0 ? "+" : "") + x.toFixed(2); };   // no "-0.00"
  const rows = $("drivers").tBodies[0];
  rows.textContent = "";
  r.drivers.forEach((d, i) => {
    const row = rows.insertRow(), base = first ? first.drivers[i].value : d.value;
    row.insertCell().textContent = d.label[lang];
    row.insertCell().textContent = pp(d.value);
    const was = row.insertCell(); was.className = "was"; was.textContent = pp(base);
    const change = row.insertCell(); change.id = "change-" + d.key; change.textContent = pp(d.value - base);
  });
  fan(r);
}
function fan(r) {
  const svg = $("fan"), f = r.fan, W = 640, H = 300, L = 48, B = 28, n = f.years.length;
  const all = f.p5.concat(f.p95).filter(v => v !== null && isFinite(v));
  if (r.target_growth !== null) all.push(r.target_growth);
  const lo = Math.min(...all), hi = Math.max(...all);
  const x = i => L + (W - L - 10) * (n === 1 ? 0.5 : i / (n - 1));
  const y = v => 10 + (H - B - 10) * (hi - v) / ((hi - lo) || 1);
  const band = (a, b) => f.years.map((_, i) => `${x(i)},${y(f[a][i])}`).join(" ") + " " +
    f.years.map((_, i) => `${x(n - 1 - i)},${y(f[b][n - 1 - i])}`).join(" ");
  let s = `<polygon points="${band("p5", "p95")}" fill="#0072B2" opacity="0.18"/>` +
          `<polygon points="${band("p25", "p75")}" fill="#0072B2" opacity="0.3"/>` +
          `<polyline points="${f.years.map((_, i) => `${x(i)},${y(f.p50[i])}`).join(" ")}" fill="none" stroke="#0072B2" stroke-width="2"/>`;
  if (r.target_growth !== null && r.target_window) {
    const i0 = f.years.indexOf(r.target_window[0]), i1 = f.years.indexOf(r.target_window[1]);
    if (i0 >= 0 && i1 >= 0) s += `<line x1="${x(i0)}" x2="${x(i1)}" y1="${y(r.target_growth)}" y2="${y(r.target_growth)}" stroke="#D55E00" stroke-dasharray="6 4" stroke-width="2"/>`;
  }
  for (let k = 0; k <= 4; k++) {
    const v = lo + (hi - lo) * k / 4;
    s += `<text x="4" y="${y(v) + 4}" font-size="11">${pct(v, 1)}</text>`;
  }
  f.years.forEach((yr, i) => { if (i % 2 === 0) s += `<text x="${x(i) - 14}" y="${H - 8}" font-size="11">${yr}</text>`; });
  s += `<text x="${L}" y="${H - B + 14}" font-size="0"></text>`;
  svg.innerHTML = s;
  svg.setAttribute("aria-label", T("fan"));
}
async function call(path, body) {
  const response = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}
async function simulate() {
  const mine = ++asked;
  text("status", T("running")); text("error", "");
  try {
    const r = await call("/api/simulate", {levers: levers()});
    if (mine !== asked) return;
    if (!first) first = r;
    last = r; show(r);
    text("status", T("done").replace("{seconds}", r.seconds.toFixed(1)));
    document.body.dataset.simulated = String(mine);
  } catch (e) { if (mine === asked) { text("status", ""); text("error", e.message); document.body.dataset.simulated = String(mine); } }
}
function changed() { labels(); clearTimeout(timer); timer = setTimeout(simulate, 250); }
function build() {
  const body = $("projects").querySelector("tbody");
  for (const p of DATA.projects) {
    const row = body.insertRow();
    const name = row.insertCell(); name.id = "name-" + p.id;
    const d = document.createElement("input"); d.type = "number"; d.step = "0.5"; d.min = "0"; d.max = "10"; d.value = "0";
    d.id = "delay-" + p.id; d.style.width = "4.5rem"; d.addEventListener("change", changed); row.insertCell().appendChild(d);
    const c = document.createElement("input"); c.type = "checkbox"; c.id = "cancel-" + p.id;
    c.addEventListener("change", changed); row.insertCell().appendChild(c);
  }
  for (const id of ["investment_rate", "tfp_growth", "capex_scale"]) $(id).addEventListener("input", changed);
  $("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; labels(); });
  $("reset").addEventListener("click", () => {
    for (const p of DATA.projects) { $("delay-" + p.id).value = "0"; $("cancel-" + p.id).checked = false; }
    $("investment_rate").value = "0"; $("tfp_growth").value = "0"; $("capex_scale").value = "1"; changed();
  });
  $("save").addEventListener("click", async () => {
    text("saved", ""); text("error", "");
    try { const r = await call("/api/save", {levers: levers(), name: $("name").value}); text("saved", T("saved") + " " + r.path); }
    catch (e) { text("error", e.message); }
  });
  $("report").addEventListener("click", async () => {
    text("saved", T("writing")); text("error", "");
    try { const r = await call("/api/report", {levers: levers(), name: $("name").value, lang}); text("saved", T("saved") + " " + r.path); }
    catch (e) { text("saved", ""); text("error", e.message); }
  });
}
build(); labels(); simulate();
</script>
</body></html>
"""
