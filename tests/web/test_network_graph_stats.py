"""The organizers' network numbers (app.connections.stats) against a hand-made history
(tests/web/graph_helpers.py explains it: 9 of 21 pairs met, two closed meetings)."""

from datetime import date

from app.connections import stats
from app.connections.history import pair_ties
from app.extensions import db
from tests.web.graph_helpers import TODAY, build_graph_world


def test_share_of_pairs_isolated_members_and_parts(app):
    w = build_graph_world()
    network = stats.group_network(w.group, today=TODAY)
    numbers = network.all_measures
    assert (numbers.members, numbers.pairs, numbers.met_pairs) == (7, 21, 9)
    assert abs(numbers.share_met - 9 / 21) < 1e-9
    assert numbers.isolated == [w.organizer.id]
    assert len(numbers.components) == 2
    # Bo has met Anne, Carla, Eva, Finn (1-to-1); Anne has met Bo, Carla, Dan, Eva.
    assert numbers.degree[w["B"].id] == 4 and numbers.degree[w["A"].id] == 4
    assert numbers.degree[w["F"].id] == 1
    # Bo is the only way to Finn: the top connector.
    assert numbers.connectors[0][0] == w["B"].id
    # Edges carry the pair's strength: the 1-to-1 (weight 2) is the strongest; Anne and Bo (a table
    # in January and one in February) are stronger than Anne and Carla (January only).
    by_pair = {(e.a, e.b): e.strength for e in network.edges}

    def tie(x, y):
        return by_pair[tuple(sorted((w[x].id, w[y].id)))]

    assert len(by_pair) == 9
    assert max(by_pair.values()) == tie("B", "F")
    assert tie("A", "B") == tie("B", "E") > tie("A", "E") > tie("A", "C")


def test_new_acquaintances_per_meeting(app):
    w = build_graph_world()
    network = stats.group_network(w.group, today=TODAY)
    assert [(p.on, p.present, p.table_pairs, p.new_pairs) for p in network.meetings] == [
        (date(2026, 1, 14), 5, 6, 6),
        (date(2026, 2, 18), 5, 4, 2),
    ]
    assert network.last_meeting.new_pairs == 2
    ids = {m.id for m in network.members}
    assert stats.first_met_days(ids, today=TODAY) == stats.first_met(pair_ties(ids, today=TODAY))
    summary = stats.summary(w.group, today=TODAY)
    assert (summary.members, summary.last_new_pairs) == (7, 2)
    assert abs(summary.share - 9 / 21) < 1e-9


def test_share_over_time_by_month(app):
    w = build_graph_world()
    months = {p.month: p for p in stats.group_network(w.group, today=TODAY).months}
    # From the month of the first closed meeting (January) to this month.
    assert list(months) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    # End of January: the six pairs of the first meeting; Olga and Finn have met no one.
    assert (months[date(2026, 1, 1)].met_pairs, months[date(2026, 1, 1)].isolated) == (6, 2)
    assert (months[date(2026, 2, 1)].met_pairs, months[date(2026, 2, 1)].isolated) == (9, 1)
    assert months[date(2026, 3, 1)].met_pairs == 9 and months[date(2026, 3, 1)].pairs == 21


def test_months_reach_back_at_most_a_year(app):
    w = build_graph_world()
    later = date(2027, 6, 15)
    months = [p.month for p in stats.group_network(w.group, today=later).months]
    assert len(months) == stats.MONTHS_SHOWN and months[-1] == date(2027, 6, 1)
    assert months[0] == date(2026, 7, 1)


def test_how_fast_newcomers_get_connected(app, monkeypatch):
    w = build_graph_world()
    monkeypatch.setattr(stats, "MET_TARGETS", (2, 3, 5))
    network = stats.group_network(w.group, today=TODAY)
    rows = {row.member_id: row for row in network.newcomer_rows}
    assert set(rows) == {w["E"].id, w["F"].id}
    eva = rows[w["E"].id]
    # Eva met Dan and Bo at her first meeting (14 January), Anne at her second (18 February).
    assert eva.joined == date(2025, 12, 20)
    assert eva.met_after == (2, 3, None)
    assert eva.days_to == (25, 60, None)  # 20 Dec -> 14 Jan, 20 Dec -> 18 Feb
    finn = rows[w["F"].id]
    assert finn.met_after == (None, None, None)  # he has not been to a meeting yet
    assert finn.days_to == (None, None, None)  # only Bo so far
    assert network.median_met_after(0) == 2 and network.median_met_after(2) is None
    # With a shorter window only Finn is a newcomer.
    assert {r.member_id for r in stats.group_network(w.group, today=TODAY, newcomer_months=2).newcomer_rows} \
        == {w["F"].id}


def test_hidden_members_are_counted_but_never_named(app):
    w = build_graph_world()
    w["C"].hide_network = True
    w["E"].hide_network = True
    db.session.commit()
    network = stats.group_network(w.group, today=TODAY)
    assert network.all_measures.met_pairs == 9 and network.all_measures.members == 7
    shown = {node.id for node in network.nodes}
    assert shown == {m.id for m in w.people.values()} - {w["C"].id, w["E"].id} | {w.organizer.id}
    hidden = {w["C"].id, w["E"].id}
    assert not any(e.a in hidden or e.b in hidden for e in network.edges)
    assert w["C"].id not in network.visible.degree and w["C"].id not in network.names
    # Among the shown, Anne has met Bo and Dan (Carla and Eva are not counted for her).
    assert network.visible.degree[w["A"].id] == 2
    # Eva stays in the newcomers' medians but her row is marked hidden.
    assert [row.hidden for row in network.newcomer_rows if row.member_id == w["E"].id] == [True]
