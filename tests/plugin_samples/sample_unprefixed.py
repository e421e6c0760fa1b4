"""A plugin whose hook implementation lacks the ``proxim_`` prefix: refused like any other unknown hook."""

from proxim_tray import hookimpl


@hookimpl
def session_ended(app, session, reason):
    print("never called")
