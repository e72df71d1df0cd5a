"""The account's user-data stream: what the exchange says about orders and positions the
moment it happens.

* ``events`` — ``parse_user_event``: one frame into a typed, frozen ``OrderUpdate``,
  ``AlgoUpdate``, ``AccountUpdate`` or ``ListenKeyExpired`` (``None`` for anything else).
* ``client`` — ``UserDataStream``: the listen key (created, kept alive every 30 minutes,
  renewed on ``listenKeyExpired`` or a refused keep-alive), the socket on
  ``{ws root}/private/ws/<listenKey>``, reconnects with backoff; each event goes to a
  callback, each (re)connection too, so REST reconciliation covers the gaps.
"""
