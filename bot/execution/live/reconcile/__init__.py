"""Reconciliation: the journal and the exchange made to agree, at start and on demand.

* ``rules`` — pure decisions: ``plan_symbol`` turns what the journal holds and what the
  exchange reports for one symbol into actions or a conflict; ``is_unsettled`` and
  ``still_settling`` say which journaled orders must still be asked about.
* ``reconciler`` — ``Reconciler``: gathers the facts, lets the rules decide, carries the plan
  out; ``ReconcileConflict`` when the bot must not start.
"""
