"""Mit netværk, another member's network and the profile hook: what each viewer sees."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.connections.privacy import AGGREGATE, FULL, NONE, network_visibility
from app.extensions import db
from app.models import Member, Role
from tests.factories import add_membership
from tests.web.connections_helpers import build_net, check_in, encounters, one_to_one, past_meeting

ZONE = ZoneInfo("Europe/Copenhagen")


def _today() -> date:
    return datetime.now(UTC).astimezone(ZONE).date()


@pytest.fixture
def net(app):
    return build_net()


def _hide(member: Member, hide: bool = True) -> None:
    member.hide_network = hide
    db.session.commit()


# --- the rule ---------------------------------------------------------------------------------------------


@dataclass
class P:
    id: int
    is_admin: bool = False
    hide_network: bool = False
    active: bool = True
    is_authenticated: bool = True


@pytest.mark.parametrize("viewer,roles,hidden,expected", [
    (P(1), set(), False, FULL), (P(1), set(), True, FULL),  # oneself
    (P(2), {"member"}, False, FULL), (P(2), {"member"}, True, NONE),
    (P(2), {"organizer"}, False, FULL), (P(2), {"organizer"}, True, AGGREGATE),
    (P(2), {"member", "organizer"}, True, AGGREGATE),
    (P(2, is_admin=True), set(), False, FULL), (P(2, is_admin=True), set(), True, AGGREGATE),
    (P(2), set(), False, NONE), (P(2), set(), True, NONE),  # no shared group
    (None, set(), False, NONE), (P(2, is_authenticated=False), {"member"}, False, NONE),
])
def test_network_visibility(viewer, roles, hidden, expected):
    assert network_visibility(viewer, P(1, hide_network=hidden), roles) == expected


def test_an_inactive_member_is_seen_only_by_those_who_oversee_them():
    gone = P(1, active=False)
    assert network_visibility(P(2), gone, {"member"}) == NONE
    assert network_visibility(P(2), gone, {"organizer"}) == FULL


# --- the pages --------------------------------------------------------------------------------------------


MATRIX = [  # role, hidden -> what /members/<target>/network shows
    ("member", False, "full"), ("member", True, "none"),
    ("organizer", False, "full"), ("organizer", True, "aggregate"),
    ("admin", False, "full"), ("admin", True, "aggregate"),
    ("stranger", False, 404), ("stranger", True, 404),
]


@pytest.mark.parametrize("role,hidden,expected", MATRIX)
def test_member_network_page(net, client, login, role, hidden, expected):
    _hide(net.target, hidden)
    login(net.person(role))
    response = client.get(f"/members/{net.target.id}/network")
    if expected == 404:
        assert response.status_code == 404
        assert client.get(f"/members/{net.target.id}").status_code == 404
        return
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    names_shown = f'data-met="{net.xena.id}"' in page
    assert names_shown == (expected == "full")
    assert ("data-counts" in page) == (expected in ("full", "aggregate"))
    assert ("data-hidden" in page) == (expected != "full")
    if expected == "full":
        # members of a group the viewer is not in stay hidden (admins see everyone)
        assert (f'data-met="{net.yann.id}"' in page) == (role == "admin")
        assert ("data-not-shown" in page) == (role != "admin")
    profile = client.get(f"/members/{net.target.id}").get_data(as_text=True)
    assert f'data-member-network="{expected}"' in profile


def test_own_network_page_redirects_and_the_viewer_sees_their_tie(net, client, login):
    login(net.target)
    assert client.get(f"/members/{net.target.id}/network").status_code == 302
    _hide(net.target)
    login(net.xena)
    page = client.get(f"/members/{net.target.id}").get_data(as_text=True)
    assert "data-tie" in page and 'data-member-network="none"' in page  # hidden, but their own tie shows
    assert client.get("/members/99999999/network").status_code == 404
    assert client.get("/members/0/network").status_code == 404


def test_anonymous_goes_to_login(net, client):
    assert client.get("/network").status_code == 302
    assert client.get(f"/members/{net.target.id}/network").status_code == 302


def test_my_network_page(net, client, login):
    login(net.target)
    page = client.get("/network").get_data(as_text=True)
    assert f'data-met="{net.xena.id}"' in page and f'data-met="{net.yann.id}"' in page
    # Zoe (group A) was at the same meeting but never at the table: "mød dem næste gang"
    assert f'data-never-met="{net.zoe.id}"' in page
    assert f'data-never-met="{net.member.id}"' in page and f'data-never-met="{net.organizer.id}"' in page
    assert f'data-never-met="{net.stranger.id}"' not in page
    # Zoe is an estate agent and Tina a carpenter: a complementary suggestion with a 1-to-1 button
    assert f'data-suggestion="{net.zoe.id}" data-reason="complementary"' in page
    assert f'/one-to-ones/new?with={net.zoe.id}' in page
    assert 'name="hide_network"' in page


def test_fading_ties_are_suggested(net, client, login):
    long_ago = _today() - timedelta(days=400)
    group = net.target.memberships[0].group
    old = past_meeting(group, long_ago)
    check_in(old, net.target, net.member)
    encounters(old, [[[net.target, net.member]], [[net.target, net.member]]])
    one_to_one(net.target, net.member, long_ago + timedelta(days=3))
    login(net.target)
    page = client.get("/network").get_data(as_text=True)
    assert f'data-suggestion="{net.member.id}" data-reason="fading"' in page


def test_a_pending_one_to_one_is_not_suggested_again(net, client, login):
    one_to_one(net.target, net.zoe, _today() + timedelta(days=3), status="proposed")
    login(net.target)
    page = client.get("/network").get_data(as_text=True)
    assert f'data-suggestion="{net.zoe.id}"' not in page
    login(net.zoe)
    page = client.get("/network").get_data(as_text=True)
    assert 'id="waiting"' in page  # Zoe answers from her network page


def test_hide_network_setting(net, client, login):
    login(net.target)
    response = client.post("/network/privacy", data={"hide_network": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Member, net.target.id).hide_network is True
    client.post("/network/privacy", data={})
    db.session.expire_all()
    assert db.session.get(Member, net.target.id).hide_network is False
    assert client.post("/network/privacy", data={"hide_network": "a\x00b"}).status_code in (303, 422)


def test_a_second_group_role_counts(net, client, login):
    # an organizer of group B (where Tina is too) but only a member in A sees aggregates when hidden
    add_membership(net.member, net.target.memberships[1].group, Role.ORGANIZER.value)
    _hide(net.target)
    login(net.member)
    page = client.get(f"/members/{net.target.id}/network").get_data(as_text=True)
    assert "data-counts" in page and f'data-met="{net.xena.id}"' not in page


def test_people_seen_at_meetings_but_never_at_a_table_are_suggested(net, client, login):
    group = net.target.memberships[0].group
    for days in (60, 90):
        meeting = past_meeting(group, _today() - timedelta(days=days))
        check_in(meeting, net.target, net.member)
        encounters(meeting, [[[net.target], [net.member]]])
    login(net.target)
    page = client.get("/network").get_data(as_text=True)
    assert f'data-suggestion="{net.member.id}" data-reason="seen"' in page
    assert f'data-never-met="{net.member.id}"' in page  # seen is not met


def test_long_lists_fold_after_twelve(app, client, login):
    from tests.factories import create_group, create_member

    group = create_group()
    me = create_member(groups=[group], name="Me")
    others = [create_member(groups=[group], name=f"Other {i:02d}") for i in range(30)]
    meeting = past_meeting(group, _today() - timedelta(days=3))
    check_in(meeting, me, *others[:14])
    encounters(meeting, [[[me, *others[:14]]]])
    login(me)
    page = client.get("/network").get_data(as_text=True)
    assert page.count("data-met=") == 14 and 'data-more="met"' in page
    assert page.count("data-never-met=") == 16 and 'data-more="never-met"' in page


def test_another_members_page_words_their_ties_about_the_two_of_them(net, client, login, english):
    # "I kender hinanden" ("you know each other") would speak to the viewer about someone else's tie
    login(net.xena)
    page = client.get(f"/members/{net.target.id}/network").get_data(as_text=True)
    badges = re.findall(r'data-level="[a-z]+">([^<]*)</span>', page)
    assert badges and not any(words.startswith("You") for words in badges), badges
    assert "Whom " in page and "has met</h1>" in page
    login(net.target)  # on one's own page the words speak to the viewer
    own = re.findall(r'data-level="[a-z]+">([^<]*)</span>', client.get("/network").get_data(as_text=True))
    assert own and all(words.startswith("You") or words.startswith("A faint") for words in own), own


def test_my_network_page_explains_itself(net, client, login):
    login(net.target)
    page = client.get("/network").get_data(as_text=True)
    assert "data-intro" in page


def test_numbers_are_written_as_the_language_writes_them(app):
    from flask_babel import force_locale

    from app.connections.routes_graph import network_number

    with app.test_request_context("/"):
        with force_locale("da"):
            assert network_number(4.5) == "4,5" and network_number(9.0) == "9" and network_number(None) == "–"
        with force_locale("en"):
            assert network_number(4.5) == "4.5"


def test_a_member_who_hides_their_network_is_not_named_in_anothers_list(net, client, login):
    # Xena hid her network: Tina's list would show that Xena met Tina, so it only counts her
    _hide(net.xena)
    for role in ("member", "organizer", "admin"):
        login(net.person(role))
        page = client.get(f"/members/{net.target.id}/network").get_data(as_text=True)
        assert f'data-met="{net.xena.id}"' not in page and "data-private" in page, role
    login(net.xena)  # her own tie with Tina she always sees
    page = client.get(f"/members/{net.target.id}/network").get_data(as_text=True)
    assert f'data-met="{net.xena.id}"' in page and "data-private" not in page
    login(net.target)  # and Tina still sees Xena on her own page
    assert f'data-met="{net.xena.id}"' in client.get("/network").get_data(as_text=True)



def test_a_get_of_a_form_address_leads_back_to_the_page_and_changes_nothing(net, client, login):
    login(net.target)
    response = client.get("/network/privacy")
    assert response.status_code == 303 and response.headers["Location"].endswith("/network#privacy")
    db.session.refresh(net.target)
    assert net.target.hide_network is False
    response = client.get("/one-to-ones/12345/confirm")
    assert response.status_code == 303 and response.headers["Location"].endswith("/one-to-ones/12345")
    assert client.get(response.headers["Location"]).status_code == 404  # not theirs: as ever


@pytest.mark.parametrize("url", [
    "/members/99999999999999999999/network", "/one-to-ones/99999999999999999999",
    "/one-to-ones/99999999999999999999/calendar.ics", "/one-to-ones/99999999999999999999/confirm",
    "/one-to-ones/new?with=99999999999999999999", "/one-to-ones/new?with=-1",
    "/groups/%00/network", "/groups/x/network?months=99999999999999999999",
])
def test_huge_ids_and_odd_queries_are_not_a_500(net, client, login, url):
    login(net.organizer)
    assert client.get(url, follow_redirects=True).status_code in (200, 400, 404, 405)
    assert client.post("/one-to-ones/99999999999999999999/confirm").status_code in (400, 404)
