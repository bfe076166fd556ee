"""The house style of every chart: one font, one palette, one size, applied in a context manager.

Importing this module changes nothing global. ``house_style(lang)`` is a ``matplotlib.rc_context``:
the settings hold while a chart is built and saved, and matplotlib's own settings come back after.

Font: Noto Sans CJK SC (SIL Open Font License), the file ``fonts/NotoSansCJKsc-Regular.otf`` shipped
inside the PyPI package ``mplfonts``. It is registered with matplotlib's font manager the first time a
chart is drawn (``register_fonts``; ``mplfonts``'s own ``init`` is never run and no matplotlib
configuration file is touched). It has Latin, digits and Chinese, so both languages use it and the
charts look the same in both. SVGs store text as paths (``svg.fonttype = "path"``) so they render
on machines without the font.

Palette: Okabe & Ito (2008), safe for the common colour-vision deficiencies; series that are stacked
also differ in lightness and hatching so they survive greyscale printing.

Size: 16 cm wide (an A4 page with 2.5 cm margins), 300 dpi PNG.
"""
from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path

CM = 1 / 2.54                     # inches per centimetre
WIDTH_CM = 16.0
HEIGHT_CM = 9.5                   # default chart height; the Gantt chart grows with its rows
DPI = 300
FONT_FILE = "NotoSansCJKsc-Regular.otf"

# Okabe & Ito, "Color Universal Design" (2008)
BLACK = "#000000"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#7F7F7F"
LIGHT_GREY = "#D9D9D9"

# contributions to growth: distinct hue, lightness and hatch
CONTRIBUTION_STYLE = {
    "tfp": {"color": GREEN, "hatch": ""},
    "capital": {"color": BLUE, "hatch": ""},
    "labour": {"color": SKY, "hatch": "..."},
    "demand": {"color": GREY, "hatch": "--"},
    "construction": {"color": ORANGE, "hatch": "///"},
    "operation": {"color": PURPLE, "hatch": "xxx"},
    "energy": {"color": YELLOW, "hatch": "\\\\\\"},
}
# energy technologies in stacking order (others get the remaining colours)
TECHNOLOGY_COLOURS = {"hydro": BLUE, "wind": SKY, "pv": YELLOW, "storage": PURPLE, "charging": GREEN}
SPARE_COLOURS = [ORANGE, GREEN, PURPLE, VERMILLION, GREY]
TECHNOLOGY_HATCHES = ["", "....", "///", "xxx", "\\\\\\", "ooo"]
BAND_OUTER = 0.18                 # alpha of the P5–P95 (or P10–P90) band
BAND_INNER = 0.38                 # alpha of the P25–P75 band

BASE_RC = {
    "font.size": 8.0,
    "axes.titlesize": 9.5,
    "axes.titlelocation": "left",
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "figure.titlesize": 10.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#222222",
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#E3E3E3",
    "grid.linewidth": 0.5,
    "axes.axisbelow": True,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "lines.linewidth": 1.4,
    "hatch.linewidth": 0.5,
    "hatch.color": "#333333",
    "axes.unicode_minus": True,
    "text.parse_math": False,      # a '$' in a project's name is a dollar sign, never mathtext
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
    "svg.fonttype": "path",        # text as outlines: renders without the font installed
    "svg.hashsalt": "portfolio",   # stable element ids: the same chart gives the same file
    "pdf.fonttype": 3,
    "figure.constrained_layout.use": False,
}

_registered: str | None = None


def font_path() -> Path:
    """The Noto Sans CJK SC file shipped by the ``mplfonts`` package (not imported, only located)."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the Chinese chart font is missing: install the package 'mplfonts' "
                           "(pip install mplfonts), which ships Noto Sans CJK SC")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "fonts" / FONT_FILE
        if path.is_file():
            return path
    raise RuntimeError(f"mplfonts is installed but {FONT_FILE} is not in it; reinstall mplfonts")


def register_fonts() -> str:
    """Add the CJK font to matplotlib's font manager (once); return its family name."""
    global _registered
    if _registered is None:
        from matplotlib import font_manager

        path = font_path()
        font_manager.fontManager.addfont(str(path))
        _registered = font_manager.FontProperties(fname=str(path)).get_name()
    return _registered


def rc(lang: str = "zh") -> dict:
    """The rcParams of the house style for a language (the same font for both)."""
    family = register_fonts()
    # the family by name (not "sans-serif"): text keeps its font when drawn outside the context
    return {**BASE_RC, "font.family": [family, "DejaVu Sans"]}


@contextlib.contextmanager
def house_style(lang: str = "zh"):
    """Apply the house style while the block runs; matplotlib's settings are restored after."""
    import matplotlib

    with matplotlib.rc_context(rc(lang)):
        yield


def technology_colour(tech: str, index: int) -> str:
    if tech in TECHNOLOGY_COLOURS:
        return TECHNOLOGY_COLOURS[tech]
    return SPARE_COLOURS[index % len(SPARE_COLOURS)]


def save(fig, path: Path, fmt: str) -> Path:
    """Save a figure reproducibly (no timestamps in SVG/PDF metadata), atomically (a killed or failed
    save leaves the earlier file whole, never a truncated one)."""
    metadata = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
                "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None}}[fmt]
    from portfolio.outputs.folders import write_atomic

    write_atomic(Path(path), lambda tmp: fig.savefig(tmp, format=fmt, dpi=DPI, metadata=metadata))
    return path


def save_all(figures: dict, out: Path, lang: str, formats) -> list[Path]:
    """Each figure of ``{name: Figure}`` as ``out/<name>.<format>``, in the house style of ``lang`` (as
    ``save``: reproducible, atomic); the files written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with house_style(lang):
        for name, fig in figures.items():
            for fmt in formats:
                written.append(save(fig, out / f"{name}.{fmt}", fmt))
    return written


def figure(height_cm: float = HEIGHT_CM):
    """A house-size figure (16 cm wide, constrained layout) and its axes; call inside ``house_style``."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_CM * CM, height_cm * CM), layout="constrained")
    return fig, fig.subplots()
