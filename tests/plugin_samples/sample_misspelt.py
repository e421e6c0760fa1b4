"""A plugin with a misspelt hook name: the host must refuse it rather than silently never call it."""

from proxim_tray import hookimpl


@hookimpl
def proxim_sesion_started(app, session):  # sic: "sesion"
    print("never called")


@hookimpl
def proxim_tray_menu_items(app):
    return []
