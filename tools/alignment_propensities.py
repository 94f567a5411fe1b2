"""Derive the flagship's alignment inputs from data/alignment (issue 6); prints YAML, writes CSVs.

Ideal points x: UNGA session 69 (2014-15) IdealPointAll; a bloc takes the mean of its members.
R = max − min over all UN members that session. Per pair of actors (engines/alignment.py):
a_ij = 1 defence pact, 0.5 entente (alliances-2014.csv); t_ij = 1 if SIPRI records deliveries
either way in 2010-2014, −1 if an open militarised dispute (disputes-2014.csv, which prevails);
a bloc's a and t are the means over its member pairs. Contributions: 0.3·a_ij and 0.2·t_ij.

    .venv/bin/python tools/alignment_propensities.py
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "alignment"
W_ALLIANCE, W_TRANSFER = 0.3, 0.2

# actor id -> (UN iso3 codes, SIPRI / treaty names)
ACTORS = {
    "russia": (["RUS"], ["Russia"]),
    "usa": (["USA"], ["United States"]),
    "china": (["CHN"], ["China"]),
    "uk": (["GBR"], ["United Kingdom"]),
    "france": (["FRA"], ["France"]),
    "iran": (["IRN"], ["Iran"]),
    "iraq": (["IRQ"], ["Iraq"]),
    "egypt": (["EGY"], ["Egypt"]),
    "turkey": (["TUR"], ["Turkey"]),
    "saudi-arabia": (["SAU"], ["Saudi Arabia"]),
    "israel": (["ISR"], ["Israel"]),
    "europe": (["DEU", "ITA"], ["Germany", "Italy"]),
    "gulf-states": (["QAT", "ARE", "KWT"], ["Qatar", "UAE", "Kuwait"]),
    "assad": (["SYR"], ["Syria"]),
    "regime": (["SYR"], ["Syria"]),
    "army-command": (["SYR"], ["Syria"]),
}
SAME_STATE = {"assad", "regime", "army-command"}


def rows(name: str) -> list[dict]:
    with open(DATA / name, newline="") as f:
        return list(csv.DictReader(f))


def main() -> None:
    un = {r["iso3c"]: float(r["ideal_point"]) for r in rows("unga-ideal-points-session69.csv")}
    span = max(un.values()) - min(un.values())
    ideal = {a: sum(un[c] for c in iso) / len(iso) for a, (iso, _) in ACTORS.items()}
    pact = {
        frozenset((r["state1"], r["state2"])): float(r["a"]) for r in rows("alliances-2014.csv")
    }
    arms = {frozenset((r["supplier"], r["recipient"])) for r in rows("sipri-tiv-2010-2014.csv")}
    fight = {frozenset((r["state1"], r["state2"])) for r in rows("disputes-2014.csv")}

    def mean(fn, xs, ys):
        pairs = [(x, y) for x in xs for y in ys]
        return sum(fn(frozenset(p)) for p in pairs) / len(pairs)

    out = []
    for i, j in itertools.combinations(ACTORS, 2):
        if {i, j} <= SAME_STATE:
            continue
        xs, ys = ACTORS[i][1], ACTORS[j][1]
        a = mean(lambda p: pact.get(p, 0.0), xs, ys)
        t = mean(lambda p: -1.0 if p in fight else float(p in arms), xs, ys)
        out.append((i, j, a, t))

    with open(DATA / "derivation.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["actor", "ideal_point", "members", "range_R"])
        for a, (iso, _) in ACTORS.items():
            w.writerow([a, round(ideal[a], 6), " ".join(iso), round(span, 6)])
        w.writerow([])
        w.writerow(["actor_i", "actor_j", "a_ij", "t_ij", "0.3*a_ij", "0.2*t_ij"])
        for i, j, a, t in out:
            w.writerow(
                [i, j, round(a, 4), round(t, 4), round(W_ALLIANCE * a, 4), round(W_TRANSFER * t, 4)]
            )

    print(f"R = {span:.6f}")
    for a in ACTORS:
        print(f"  {a}: ideal_point {ideal[a]:.6f}")
    treaties = rows("alliances-2014.csv")
    tiv = {
        (r["supplier"], r["recipient"]): r["tiv_2010_2014"] for r in rows("sipri-tiv-2010-2014.csv")
    }
    for i, j, a, t in out:
        xs, ys = set(ACTORS[i][1]), set(ACTORS[j][1])

        def between(s, r, xs=xs, ys=ys):
            return (s in xs and r in ys) or (s in ys and r in xs)

        if a:
            hit = [r for r in treaties if between(r["state1"], r["state2"])]
            names = "; ".join(sorted({r["treaty"] for r in hit}))
            src = sorted({r["src_id"] for r in hit})
            why = f"0.3·a, a = {a:g}: {names} (data/alignment/alliances-2014.csv)"
            print(yaml_line(i, j, W_ALLIANCE * a, None, src, why))
        if t > 0:
            flows = ", ".join(f"{s}→{r} {v}" for (s, r), v in tiv.items() if between(s, r))
            why = f"0.2·t, t = {t:.4g}: SIPRI deliveries 2010-2014 (TIV m: {flows})"
            print(yaml_line(i, j, W_TRANSFER * t, "arms", ["sipri-tiv-2010-2014"], why))
        if t < 0:
            hit = [r for r in rows("disputes-2014.csv") if between(r["state1"], r["state2"])]
            why = f"0.2·t, t = {t:g}: open militarised dispute, {hit[0]['incident']} ({hit[0]['date']})"
            print(yaml_line(i, j, W_TRANSFER * t, None, [hit[0]["src_id"]], why))


def yaml_line(i: str, j: str, value: float, kind: str | None, src: list[str], why: str) -> str:
    k = f" kind: {kind}," if kind else ""
    s = ", ".join([*src, "j-alignment-derivation"])
    return (
        f"  - {{from: {i}, to: {j}, type: propensity,{k} intensity: {value:.4g},"
        f' src: [{s}], derivation: "{why}"}}'
    )


if __name__ == "__main__":
    main()
