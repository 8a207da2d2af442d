"""A form shown again after a problem names records too: one the person may not read gets the refusal it gets
anywhere (not found), never a server error (found by the error-summary walk, as another unit's officer)."""

from __future__ import annotations


def test_a_submission_sent_back_naming_another_units_dossier_is_not_found(browsers, session, make_dossier):
    dossier = make_dossier("closed")  # unit A's, ready to submit
    session.commit()
    other = browsers("officer2")  # an officer of unit B
    other.get("/transfers/new")
    answer = other.post(f"/transfers/new?dossier={dossier.id}", {})  # nothing chosen nor confirmed: shown again
    assert answer.status_code == 404
