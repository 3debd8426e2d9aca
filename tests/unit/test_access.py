"""The one access rule for incidents (incidents/access.py), without I/O."""

from incidents.access import Verdict, decide
from incidents.models import Incident


def incident(**fields):
    return Incident(title="t", system="s", channel_id="C1", **fields)


def test_private_incidents_exist_only_for_members_and_role_holders():
    private = incident(private=True, commander="U_CMD", declared_by="U_DECL")
    assert decide(private, user="U_X", in_channel=False, change=False) is Verdict.UNSEEN
    assert decide(private, user="U_X", in_channel=True, change=False) is Verdict.ALLOWED
    assert decide(private, user="U_CMD", in_channel=False, change=False) is Verdict.ALLOWED
    assert decide(private, user="U_DECL", in_channel=False, change=False) is Verdict.ALLOWED
    # Seeing is not changing: that takes the channel, once there is one.
    assert decide(private, user="U_CMD", in_channel=False, change=True) is Verdict.NOT_A_MEMBER
    assert decide(private, user="U_X", in_channel=False, change=True) is Verdict.UNSEEN


def test_public_incidents_are_seen_by_all_and_changed_by_members():
    public = incident()
    assert decide(public, user="U_X", in_channel=False, change=False) is Verdict.ALLOWED
    assert decide(public, user="U_X", in_channel=False, change=True) is Verdict.NOT_A_MEMBER
    assert decide(public, user="U_X", in_channel=True, change=True) is Verdict.ALLOWED
    no_channel_yet = Incident(title="t", system="s")
    assert decide(no_channel_yet, user="U_X", in_channel=False, change=True) is Verdict.ALLOWED
    assert decide(None, user="U_X", in_channel=False, change=False) is Verdict.UNSEEN
