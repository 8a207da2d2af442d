"""The state table: every (state, action) pair, legal or not."""

import itertools

import pytest

from erms import lifecycle
from erms.errors import IllegalTransition
from erms.models.dossier import DossierState as S

ACTIONS = sorted({action for _state, action in lifecycle.TRANSITIONS})

LEGAL = {
    (S.OPEN, "close"): S.CLOSED,
    (S.CLOSED, "reopen"): S.OPEN,
    (S.CLOSED, "submit"): S.SUBMITTED,
    (S.SUBMITTED, "reject"): S.CLOSED,
    (S.SUBMITTED, "accept"): S.ARCHIVED,
    (S.ARCHIVED, "transfer"): S.TRANSFERRED,
    (S.ARCHIVED, "destroy"): S.DESTROYED,
    (S.CLOSED, "destroy"): S.DESTROYED,  # kept under 5 years by its unit (retention.custody)
}


@pytest.mark.parametrize("state,action", list(itertools.product(S, ACTIONS)))
def test_every_pair(state, action):
    if (state, action) in LEGAL:
        assert lifecycle.target(state, action) is LEGAL[(state, action)]
    else:
        with pytest.raises(IllegalTransition) as refused:
            lifecycle.target(state, action)
        assert state.value in str(refused.value)
        assert lifecycle.PAST[action] in str(refused.value)


def test_destroyed_and_transferred_are_final():
    for state in (S.DESTROYED, S.TRANSFERRED):
        assert not [action for (origin, action) in lifecycle.TRANSITIONS if origin is state]
