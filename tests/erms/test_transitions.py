"""Every aggregate's state table: the moves it lists, and a refusal for any other."""

from __future__ import annotations

import pytest

from erms import transitions
from erms.models.appraisal import DestructionListState
from erms.models.background import JobState
from erms.models.handover import BatchState


class Record:
    def __init__(self, state) -> None:
        self.state = state


@pytest.mark.parametrize(
    "table,states",
    [
        (transitions.DESTRUCTION_LIST, list(DestructionListState)),
        (transitions.HANDOVER_BATCH, list(BatchState)),
        (transitions.BACKGROUND_JOB, list(JobState)),
    ],
    ids=["destruction list", "hand-over batch", "background job"],
)
def test_each_table_moves_as_listed_and_refuses_the_rest(table, states):
    actions = {action for _, action in table}
    for state in states:
        for action in actions:
            record = Record(state)
            if (state, action) in table:
                assert transitions.move(record, table, action) is table[(state, action)] is record.state
            else:
                with pytest.raises(transitions.IllegalMove, match=f"in state {state.value} cannot {action}"):
                    transitions.move(record, table, action)
                assert record.state is state  # a refused move changes nothing


def test_a_destruction_list_walks_its_chain_in_order_only():
    record = Record(DestructionListState.PROPOSED)
    with pytest.raises(transitions.IllegalMove):
        transitions.move(record, transitions.DESTRUCTION_LIST, "approve")  # not before the appraisal
    for action in ("record_appraisal", "approve", "execute", "finish"):
        transitions.move(record, transitions.DESTRUCTION_LIST, action)
    assert record.state is DestructionListState.EXECUTED
