"""`ginny campaign report DIR`: one self-contained HTML page (plots inlined as PNG) of a campaign's table --
outcome counts, the distributions that matter (landing and navigation error, touchdown speeds against the
gear's limits, tilt, time with vision degraded), the ten worst flights with their dispersions and a link to
each one's flight report, and which dispersions the failures go with."""
from __future__ import annotations

import html
import math
from collections import Counter
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ground.campaign.fly import HARD_LANDING_MPS  # noqa: E402
from ground.campaign.spec import CHOICES, RANGES  # noqa: E402
from ground.campaign.table import read_table  # noqa: E402
from ground.report import _img, _save  # noqa: E402
from sim_hal.model.params import load_vehicle  # noqa: E402

_OUTCOME_ORDER = ("landed", "land_now", "crashed", "aborted", "interrupted")


def write_campaign_report(root: Path) -> Path:
    rows = read_table(root)
    plots = root / "report"
    plots.mkdir(exist_ok=True)
    counts = Counter(r["outcome"] for r in rows)
    lost = sum(bool(r["lost"]) for r in rows)
    parts = [f"<h1>Campaign report: {html.escape(root.name)}</h1>",
             f"<p>{len(rows)} flights; {lost} vehicles lost (tipped over, touched down harder than "
             f"{HARD_LANDING_MPS} m/s, or the run crashed)</p>", _outcomes(counts)]
    for path, caption in _figures(rows, plots):
        parts.append(f"<h2>{html.escape(caption)}</h2>{_img(path)}")
    parts += ["<h2>The ten worst flights</h2>", _worst(rows, root), "<h2>What the failures go with</h2>",
              _correlations(rows)]
    page = root / "report.html"
    page.write_text("<!doctype html><meta charset='utf-8'><title>ginny campaign report</title>"
                    "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}img{max-width:100%}"
                    "table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;"
                    "text-align:right}td.l,th.l{text-align:left}</style>" + "\n".join(parts), encoding="utf-8")
    return page


def _outcomes(counts: Counter) -> str:
    names = [o for o in _OUTCOME_ORDER if o in counts] + sorted(set(counts) - set(_OUTCOME_ORDER))
    cells = "".join(f"<tr><th class=l>{html.escape(o)}</th><td>{counts[o]}</td></tr>" for o in names)
    return f"<h2>Outcomes</h2><table>{cells}</table>"


def _values(rows: list[dict], key: str) -> np.ndarray:
    return np.array([r[key] for r in rows if r.get(key) is not None and not _nan(r[key])], dtype=float)


def _nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _figures(rows: list[dict], out: Path) -> list[tuple[Path, str]]:
    made = [(_cdf(rows, [("landing_error_m", "landing error"), ("nav_final_error_m", "navigation's final error")],
                  "m (logarithmic above 1 cm)", out / "errors_cdf.png", log=True), "Landing and navigation error (CDF)"),
            (_touchdowns(rows, out / "touchdown.png"), "Touchdown speeds against the gear's limits"),
            (_cdf(rows, [("max_tilt_deg", "largest tilt")], "deg", out / "tilt_cdf.png"), "Largest tilt (CDF)"),
            (_cdf(rows, [("vision_degraded_s", "vision degraded")], "s", out / "vision_cdf.png"),
             "Time with vision degraded (CDF)")]
    return made


def _cdf(rows: list[dict], series: list[tuple[str, str]], unit: str, path: Path, log: bool = False) -> Path:
    """`log`: errors span centimetres to kilometres, and one outlier would squeeze the rest against zero."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    if log:
        ax.set_xscale("symlog", linthresh=0.01)
    for key, label in series:
        v = np.sort(_values(rows, key))
        if len(v):
            ax.step(v, np.arange(1, len(v) + 1) / len(v), where="post", label=f"{label} (n={len(v)})")
    ax.set_xlabel(unit)
    ax.set_ylabel("fraction of flights")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return _save(fig, path)


def _touchdowns(rows: list[dict], path: Path) -> Path:
    gear = load_vehicle().gear
    have = [r for r in rows if r.get("touchdown_speed_mps") is not None]
    fig, ax = plt.subplots(figsize=(7, 4))
    for lost, colour in ((False, "tab:blue"), (True, "tab:red")):
        pick = [r for r in have if bool(r["lost"]) == lost]
        ax.scatter([r["touchdown_horizontal_speed_mps"] or 0.0 for r in pick],
                   [r["touchdown_speed_mps"] for r in pick], s=12, c=colour, label="lost" if lost else "kept")
    ax.axhline(gear.max_touchdown_vertical_mps, color="k", ls="--", lw=1, label="gear's vertical limit")
    ax.axvline(gear.max_touchdown_horizontal_mps, color="k", ls=":", lw=1, label="gear's sliding limit")
    ax.set_xlabel("horizontal speed at touchdown (m/s)")
    ax.set_ylabel("vertical speed at touchdown (m/s)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return _save(fig, path)


def badness(r: dict) -> tuple:
    """Worst first: lost vehicles, then contingency landings, then by landing error."""
    err = r.get("landing_error_m")
    return (bool(r["lost"]), r["outcome"] != "landed", err if err is not None and not _nan(err) else math.inf)


def _worst(rows: list[dict], root: Path) -> str:
    keys = dispersion_keys(rows)
    head = ["flight", "outcome", "landing err (m)", "nav err (m)", "touchdown (m/s)", "faults", *keys, "why"]
    body = []
    for r in sorted(rows, key=badness, reverse=True)[:10]:
        report = root / "flights" / r["flight_id"] / "report" / "report.html"
        link = (f"<a href='flights/{r['flight_id']}/report/report.html'>{r['flight_id']}</a>" if report.exists()
                else r["flight_id"])
        cells = [link, html.escape(r["outcome"]), _f(r.get("landing_error_m")), _f(r.get("nav_final_error_m")),
                 _f(r.get("touchdown_speed_mps")), html.escape(r["faults"] or "-"),
                 *[html.escape(str(r.get(k))) for k in keys], html.escape((r.get("explanation") or "")[:80])]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>" + "".join(body) + "</table>"


def dispersion_keys(rows: list[dict]) -> list[str]:
    return [k for k in (*RANGES, *CHOICES) if rows and k in rows[0]]


def correlations(rows: list[dict]) -> list[tuple[str, float, float, str]]:
    """Per dispersion: Spearman's rank correlation with a lost vehicle and with the landing error (NaN when
    it cannot be told), strongest first, and a plain word on it."""
    out = []
    lost = np.array([float(bool(r["lost"])) for r in rows])
    err = np.array([r["landing_error_m"] if r.get("landing_error_m") is not None else np.nan for r in rows], float)
    for key in dispersion_keys(rows):
        x = _as_number([r.get(key) for r in rows])
        c_lost = _spearman(x, lost)
        ok = ~np.isnan(err)
        c_err = _spearman(x[ok], err[ok])
        out.append((key, c_lost, c_err, _word(c_lost, c_err)))
    return sorted(out, key=lambda t: -max(abs(np.nan_to_num(t[1])), abs(np.nan_to_num(t[2]))))


def _as_number(values: list) -> np.ndarray:
    if values and isinstance(values[0], str):  # a choice: its index among the names seen
        names = sorted(set(values))
        return np.array([names.index(v) for v in values], float)
    return np.array(values, float)


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    rx, ry = _ranks(x), _ranks(y)
    return float(np.corrcoef(rx, ry)[0, 1])


def _ranks(v: np.ndarray) -> np.ndarray:
    """Ranks with ties given their mean rank."""
    order = np.argsort(v, kind="stable")
    ranks = np.empty(len(v))
    ranks[order] = np.arange(len(v), dtype=float)
    for value in np.unique(v):
        tie = v == value
        ranks[tie] = ranks[tie].mean()
    return ranks


def _word(c_lost: float, c_err: float) -> str:
    strongest = max(abs(np.nan_to_num(c_lost)), abs(np.nan_to_num(c_err)))
    return "strong" if strongest >= 0.5 else "moderate" if strongest >= 0.3 else "weak" if strongest >= 0.1 else "none"


def _correlations(rows: list[dict]) -> str:
    rows_html = "".join(f"<tr><td class=l>{html.escape(k)}</td><td>{_f(a)}</td><td>{_f(b)}</td><td>{w}</td></tr>"
                        for k, a, b, w in correlations(rows))
    return ("<p>Spearman's rank correlation of each dispersion with losing the vehicle and with the landing "
            "error (landed flights), strongest first.</p><table><tr><th class=l>dispersion</th><th>with lost</th>"
            f"<th>with landing error</th><th></th></tr>{rows_html}</table>")


def _f(v: Any) -> str:
    return "-" if v is None or _nan(v) else f"{v:.2f}"
