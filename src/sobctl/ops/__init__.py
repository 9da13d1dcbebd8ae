"""Use cases: each takes a session and arguments and returns an ``Act`` (a change set and its
commit intent) or raises ``Refused``. Nothing here prints; the transaction applies acts."""
