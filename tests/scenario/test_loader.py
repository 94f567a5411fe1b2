"""The bad-input list of issue 2, message by message: file:line:column, field path, bad value, options."""

import pytest

from realpolitik.errors import ScenarioError
from realpolitik.scenario import load_scenario, loads_scenario


def test_mini_loads(mini_path):
    s = load_scenario(mini_path)
    assert s.actor_ids() == ["russia", "usa", "assad", "regime", "rebels"]
    assert s.faction_of() == {"regime": "regime", "assad": "regime", "rebels": "rebels"}
    assert s.strategies()["russia"] == ["hold", "withdraw-main-force", "unsc-veto-on-syria"]
    assert s.known_ids()["strategy:usa"] == {"hold", "strike-syrian-government-forces"}
    assert s.actions[0].base_rate.rate == pytest.approx(4.5 / 48)


def test_only_meta_actors_and_issues_are_required():
    s = loads_scenario(
        """
meta: {id: tiny, title: Tiny, as_of: 2020-01-01}
actors: [{id: a, level: local}, {id: b, level: local}]
issues:
  - {id: x, positions: {a: {position: 0, salience: 1, capability: 1}, b: {position: 100, salience: 1, capability: 2}}}
"""
    )
    assert s.regions is None and s.games == []


def errors_of(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        loads_scenario(text, "s.yaml")
    return [str(p) for p in exc.value.problems]


def one_error(text: str) -> str:
    errs = errors_of(text)
    assert len(errs) == 1, errs
    return errs[0]


CASES = [
    # (replace this, with this, expected fragments of the single error)
    (
        "level: international, kind: state, capabilities: {cinc: 0.05}",
        "level: 7, kind: state, capabilities: {cinc: 0.05}",
        [
            "s.yaml:16:25",
            "actors[0].level",
            "not one of the allowed values",
            "valid: international, regional, local",
        ],
    ),
    (
        "  title: Mini scenario for tests\n",
        "",
        ["s.yaml:3:", "meta.title", "required field is missing"],
    ),
    (
        "  area_basis: official-cbs\n",
        "  area_basis: official-cbs\n  colour: red\n",
        ["s.yaml:9:3", "meta.colour", "unknown key 'colour'", "valid: id, title"],
    ),
    (
        "veto_players: [assad, usa]",
        "veto_players: [assad, putin]",
        ["s.yaml:32:27", "issues[0].veto_players[1]", "got 'putin'", "valid: assad, russia, usa"],
    ),
    (
        "  - {id: rebels, level: local",
        "  - {id: usa, level: local, src: dev}\n  - {id: rebels, level: local",
        ["s.yaml:20:10", "actors[4].id", "duplicate id (first at actors[1])", "got 'usa'"],
    ),
    (
        "  end: 2016-12",
        "  end: 2015-10\n  start: 2015-11",
        ["s.yaml:8:3", "duplicate key", "start"],
    ),
    (
        "control: {regime: 0.1, rebels: 0.8, contested: 0.1}",
        "control: {regime: 0.1, rebels: 0.8, contested: 0.3}",
        ["regions.nodes[1].control", "control shares must sum to 1, they sum to 1.2"],
    ),
    (
        "fighters: 15000}",
        "fighters: -15000}",
        ["regions.deployments[1].fighters", "manpower must lie in [0, inf]", "got '-15000'"],
    ),
    (
        "{dist: triangular, low: 10, mode: 20, high: 40}",
        "{dist: triangular, low: 50, mode: 20, high: 40}",
        ["issues[0].positions.russia.position", "malformed triangular", "low <= mode <= high"],
    ),
    (
        "{dist: lognormal, median: 5, sigma: 0.5}",
        "{dist: lognormal, mean: 5, sigma: 0.5}",
        ["games[0].lambda", "malformed lognormal", "median: Field required", "mean: Extra inputs"],
    ),
    (
        "{dist: lognormal, median: 5, sigma: 0.5}",
        "{dist: poisson, lam: 5}",
        ["games[0].lambda", "unknown distribution 'poisson'", "valid: uniform, triangular, normal"],
    ),
    (
        "usa: {position: 90, salience: 0.6}",
        "usa: {position: 90, salience: 1.6}",
        ["issues[0].positions.usa.salience", "a salience must lie in [0, 1]", "got '1.6'"],
    ),
    (
        "capabilities: {cinc: 0.14}",
        "capabilities: {cinc: -0.14}",
        ["actors[1].capabilities.cinc", "a capability must lie in [0, inf]"],
    ),
    (
        "usa: {position: 90, salience: 0.6}",
        "usa: {position: .nan, salience: 0.6}",
        ["issues[0].positions.usa.position", "finite number"],
    ),
    (
        "usa: {position: 90, salience: 0.6}",
        "usa: {position: yes, salience: 0.6}",
        ["issues[0].positions.usa.position", "expected a number"],
    ),
    ("  id: mini\n", "  id: Mini Scenario\n", ["meta.id", "kebab-case"]),
    (
        "start_date: 2015-09-30",
        "start_date: 2015-11-30",
        ["series[1].start_date", "measured by the cut-off"],
    ),
    ("unit: persons,", "unit: people,", ["series[1].unit", "unknown unit", "valid: persons"]),
    (
        "- {id: talks, date: 2015-10-30",
        "- {id: talks, date: 2019-10-30",
        ["events[0].date", "outside the run"],
    ),
    (
        "{from: rebels, to: regime, type: hostility",
        "{from: rebels, to: regime, type: hatred",
        ["relations[1].type", "valid: support, hostility, alliance, propensity"],
    ),
    (
        "strategy: withdraw-main-force, from:",
        "strategy: invade-mars, from:",
        [
            "counterfactuals[0].do[0].strategy",
            "unknown strategy of that actor",
            "valid: hold, withdraw-main-force",
        ],
    ),
    (
        "mean: {regime: 0.9, rebels: 0.1}",
        "mean: {regime: 0.9, kurds: 0.1}",
        [
            "regions.nodes[0].control.mean.kurds",
            "unknown faction",
            "valid: contested, rebels, regime",
        ],
    ),
    (
        "parent: idlib, point: true",
        "parent: latakia-x, point: true",
        ["regions.nodes[2].parent", "a site needs a parent governorate", "valid: latakia, idlib"],
    ),
    (
        "adjacent: [idlib, latakia]",
        "adjacent: []",
        ["regions.supply_nodes[0].adjacent", "at least one region"],
    ),
    (
        "players: {usa: [hold, strike-syrian-government-forces]",
        "players: {usa: [hold]",
        ["games[0].players", "needs at least two strategies"],
    ),
    ("switch_prob: 0.2", "switch_prob: 1.2", ["games[0].switch_prob", "must lie in [0, 1]"]),
    (
        "- {player: usa, strategy: strike-syrian-government-forces,",
        "- {player: usa, strategy: nuke,",
        [
            "games[0].payoffs[0].strategy",
            "not a strategy of that player",
            "valid: hold, strike-syrian",
        ],
    ),
    (
        "  - id: unsc-veto-on-syria\n",
        "  - id: withdraw-main-force\n",
        ["actions[0].id", "strategy already declared in games[0]"],
    ),
    (
        "events: 4, exposure: 48",
        "events: -4, exposure: 48",
        ["actions[0].base_rate.events", "greater than or equal to 0"],
    ),
    (
        "assad: {position: 0, salience: 1.0}",
        "assad: {position: 0, salience: 1.0, capability: -1}",
        ["issues[0].positions.assad.capability", "a capability must lie in"],
    ),
    (
        "src: dev}\n  - {id: usa",
        "src: devv}\n  - {id: usa",
        ["actors[0].src", "unknown source id", "valid: cbs, dev"],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "fragments"), CASES, ids=[c[2][1] if len(c[2]) > 1 else c[2][0] for c in CASES]
)
def test_bad_input_gives_one_located_error(mini_text, old, new, fragments):
    assert old in mini_text, old
    msg = one_error(mini_text.replace(old, new, 1))
    assert msg.startswith("s.yaml:"), msg
    for frag in fragments:
        assert frag in msg, (frag, msg)


@pytest.mark.parametrize(
    ("old", "new", "fragments"),
    [
        (
            '"territory-trend:regime": 0.5',
            '"morale": 0.5',
            [
                "games[0].payoffs[1].features.morale",
                "unknown feature",
                "valid: constant, territory-share",
            ],
        ),
        (
            '"territory-trend:regime": 0.5',
            '"territory-trend:kurds": 0.5',
            ["needs a known faction id", "valid: territory-trend:regime, territory-trend:rebels"],
        ),
        (
            '"alignment:russia": 0.3',
            '"alignment": 0.3',
            ["actions[0].drivers.alignment", "needs a known actor id"],
        ),
        ('"alignment:russia": 0.3', '"constant:x": 0.3', ["takes no argument"]),
    ],
)
def test_features_are_checked_at_load_time(mini_text, old, new, fragments):
    assert old in mini_text
    msg = one_error(mini_text.replace(old, new))
    for frag in fragments:
        assert frag in msg, (frag, msg)


def test_issue_needs_two_active_actors(mini_text):
    text = mini_text.replace(
        "usa: {position: 90, salience: 0.6}", "usa: {position: 90, salience: 0}"
    ).replace(
        "russia: {position: {dist: triangular, low: 10, mode: 20, high: 40}, salience: 0.8}",
        "russia: {position: 20, salience: 0}",
    )
    assert "an issue needs at least two actors with salience > 0" in one_error(text)


def test_several_problems_are_all_reported(mini_text):
    text = mini_text.replace(
        "level: international, kind: state, capabilities: {cinc: 0.05}", "level: 7"
    ).replace("  title: Mini scenario for tests\n", "")
    assert len(errors_of(text)) == 2


def test_not_a_mapping():
    assert "a scenario is a mapping" in one_error("- just\n- a list\n")


def test_cli_exits_2_without_traceback(tmp_path, mini_text):
    from typer.testing import CliRunner

    from realpolitik.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        mini_text.replace(
            "level: international, kind: state, capabilities: {cinc: 0.05}", "level: 7"
        )
    )
    result = CliRunner().invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "bad.yaml:16:25" in result.output and "actors[0].level" in result.output


def test_dates_out_of_order(mini_text):
    errs = errors_of(mini_text.replace("  end: 2016-12", "  end: 2015-06"))
    assert any("meta.end: end is before start (got '2015-06')" in e for e in errs)
    errs = errors_of(mini_text.replace("  start: 2015-10", "  start: 2015-09"))
    assert any("meta.start: the run starts before the knowledge cut-off's month" in e for e in errs)
