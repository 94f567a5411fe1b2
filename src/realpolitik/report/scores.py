"""Scores as tables (``realpolitik score``, ``backtest``, ``ablate``) and the reliability diagram (PNG)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..scoring.baselines import NAMES

SCALE = (
    "Brier on the 0-1 scale (0 best; always 0.5 scores 0.25); log score in nats (lower is better); "
    "[90 % bootstrap interval over questions, keyed by the seed]."
)


SHORT = ("unif.", "pers.", "base", "anal.", "comp.")  # the baselines, in NAMES order


def _f(x, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _ci(pair, digits: int = 3) -> str:
    return (
        "" if pair is None or pair[0] is None else f"[{pair[0]:.{digits}f}, {pair[1]:.{digits}f}]"
    )


def _num(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def table(report: dict, out: Console, title: str = "Scores") -> None:
    """The summary, baselines, numeric questions, reliability table and per-question rows."""
    m = report["model"]
    out.rule(title)
    out.print(SCALE)
    t = Table(title=f"Binary questions ({m['n_binary']}): the model beside each baseline")
    for col in ("forecaster", "n", "Brier [90 %]", "log", "model, same n", "model − it [90 %]",
                "model's skill BSS [90 %]", "excluded"):  # fmt: skip
        t.add_column(col, justify="left" if col == "forecaster" else "right")
    t.add_row("model", str(m["n_binary"]), f"{_f(m['brier'])} {_ci(m['brier_ci'])}",
              _f(m["log"]), "", "", "", "0")  # fmt: skip
    for name in NAMES:
        b = report["baselines"][name]
        t.add_row(name.replace("_", " "), str(b["n"]), f"{_f(b['brier'])} {_ci(b['brier_ci'])}",
                  _f(b["log"]), _f(b["model_brier"]),
                  f"{_f(b['model_minus'])} {_ci(b['model_minus_ci'])}",
                  f"{_f(b['bss'], 2)} {_ci(b['bss_ci'], 2)}", str(b["excluded"]))  # fmt: skip
    out.print(t)
    d = m["decomposition"]
    if d:
        out.print(
            f"model: reliability {d['reliability']:.3f} − resolution {d['resolution']:.3f} + "
            f"uncertainty {d['uncertainty']:.3f} + within-bin {d['within_variance'] - d['within_covariance']:+.4f}"
            f" = Brier {m['brier']:.3f}; ECE {m['ece']:.3f}"
        )
    for name in NAMES:
        reasons = report["baselines"][name]["excluded_reasons"]
        if reasons:
            text = "; ".join(f"{k}: {v}" for k, v in sorted(reasons.items()))
            out.print(f"  {name.replace('_', ' ')} excludes {text}")
    _numeric(report, out)
    _reliability(report, out)
    _questions(report, out)
    out.print(
        f"{report['scored']} of {report['n_questions']} questions scored; "
        f"{report['unresolvable']} unresolvable"
        + "".join(f"\n  {u['id']}: {u['reason']}" for u in report["unresolved"])
    )
    out.print(
        f"{report['base_rate_only']} question(s) flagged base-rate only (≥ 90 % of the forecast's "
        "variance from its own base-rate parameter)"
    )


def _numeric(report: dict, out: Console) -> None:
    c = report["model"]["crps"]
    if not c["by_question"]:
        return
    rows = {q["id"]: q for q in report["questions"]}
    t = Table(
        title="Numeric questions: fair CRPS in each question's unit, skill against persistence"
    )
    for col in ("question", "median", "outcome", "persistence", "CRPS model", "CRPS persistence",
                "CRPSS"):  # fmt: skip
        t.add_column(col, justify="left" if col == "question" else "right")
    for qid, v in c["by_question"].items():
        ref = c["persistence"][qid]
        q = rows[qid]
        skill = 1 - v / ref if ref > 0 else None
        t.add_row(qid, _num(q["forecast"]), _num(q["outcome"]), _num(q["baselines"]["persistence"]),
                  _num(v), _num(ref), _f(skill, 2))  # fmt: skip
    out.print(t)
    out.print(
        f"mean CRPSS against persistence {_f(c['crpss_persistence'], 2)} "
        f"{_ci(c['crpss_ci'], 2)} (CRPS in persons and in percent are not averaged)"
    )


def _reliability(report: dict, out: Console) -> None:
    if not report["reliability"]:
        return
    t = Table(
        title="Reliability of the model's binary forecasts (consistency bars: Bröcker & Smith)"
    )
    for col in ("bin", "n", "mean forecast", "observed", "90 % consistency bar"):
        t.add_column(col, justify="right")
    for r in report["reliability"]:
        lo, hi = r["consistency"]
        t.add_row(f"{r['bin'][0]:.1f}–{r['bin'][1]:.1f}", str(r["n"]), _f(r["forecast"], 2),
                  _f(r["observed"], 2), _ci([lo, hi], 2))  # fmt: skip
    out.print(t)


def _questions(report: dict, out: Console) -> None:
    t = Table(title="Each question")
    for col in ("question", "level", "forecast", "outcome", "Brier", "log", "base-rate only",
                *SHORT):  # fmt: skip
        t.add_column(col, justify="left" if col == "question" else "right")
    for q in report["questions"]:
        flag = (
            "—"
            if q["base_rate_share"] is None
            else f"{'yes' if q['base_rate_only'] else 'no'} ({q['base_rate_share']:.2f})"
        )
        t.add_row(q["id"], q["level"], _num(q["forecast"]), _num(q["outcome"]), _f(q["brier"]),
                  _f(q["log"], 2), flag, *(_num(q["baselines"].get(n)) for n in NAMES))  # fmt: skip
    out.print(t)


def diagram(report: dict, path: Path, title: str) -> None:
    """The reliability diagram: observed frequency against mean forecast per bin, consistency bars
    about the diagonal, bin counts below (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["reliability"]
    fig, (ax, hist) = plt.subplots(
        2, 1, figsize=(5.5, 6.5), gridspec_kw={"height_ratios": [3, 1]}, sharex=True
    )
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, label="perfect reliability")
    for r in rows:
        lo, hi = r["consistency"]
        ax.plot(
            [r["forecast"]] * 2, [lo, hi], color="tab:blue", lw=6, alpha=0.3, solid_capstyle="butt"
        )
    ax.plot([r["forecast"] for r in rows], [r["observed"] for r in rows], "o", color="tab:red",
            label="observed frequency")  # fmt: skip
    ax.plot([], [], color="tab:blue", lw=6, alpha=0.3, label="90 % consistency bar")
    ax.set(xlim=(0, 1), ylim=(-0.02, 1.02), ylabel="observed frequency")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    hist.bar([(r["bin"][0] + r["bin"][1]) / 2 for r in rows], [r["n"] for r in rows], width=0.09,
             color="0.5")  # fmt: skip
    hist.set(xlabel="forecast probability", ylabel="questions")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def ablation_table(rows: list[dict], out: Console, members: int, seed: int) -> None:
    """Per mechanism and level: the change in mean Brier and in mean CRPSS when it is replaced by its
    null (null − model: positive = the mechanism improves the score), paired bootstrap intervals."""
    out.rule(f"Ablation: each mechanism replaced by its null ({members} members, seed {seed})")
    out.print(
        "ΔBrier = Brier(null) − Brier(model) on the 0-1 scale (> 0: the mechanism helps); "
        "ΔCRPSS = CRPSS(model) − CRPSS(null) against persistence (> 0: helps); "
        "[90 % paired bootstrap interval over questions]; common random numbers."
    )
    t = Table()
    for col in ("mechanism", "null", "level", "binary", "ΔBrier", "interval", "numeric", "ΔCRPSS",
                "interval", "verdict"):  # fmt: skip
        t.add_column(col, justify="left" if col in ("mechanism", "null", "verdict") else "right")
    for r in rows:
        t.add_row(r["mechanism"], r["null"], r["level"], str(r["n_binary"]), _f(r["d_brier"], 4),
                  _ci(r["d_brier_ci"], 4), str(r["n_numeric"]), _f(r["d_crpss"], 3),
                  _ci(r["d_crpss_ci"], 3), r["verdict"])  # fmt: skip
    out.print(t)
