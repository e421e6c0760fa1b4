"""Every exception Proxim raises, in one tree.

ProximError
├── PluginLoadError        a plugin could not be imported or registered
├── BackendUnavailable     a capture or input backend cannot work here (no display, Wayland, ...)
├── ProtocolError          a client sent something the protocol does not allow
└── ConfigError            a setting is out of range or unknown
"""


class ProximError(Exception):
    """Base class of every Proxim error."""


class PluginLoadError(ProximError):
    """A plugin failed to import or to register its hooks."""


class BackendUnavailable(ProximError):
    """A backend cannot work on this machine; the message says why and what to do."""


class ConfigError(ProximError):
    """A configuration value is invalid."""


class ProtocolError(ProximError):
    """A client message broke the protocol.

    ``code`` is the machine-readable error code sent back to the client (see docs/protocol.md).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
