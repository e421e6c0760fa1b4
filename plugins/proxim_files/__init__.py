"""File transfer: files from the device land in the Downloads folder, files from the host are offered to the device.

An ordinary plugin on the platform's extension points: the permission ``files`` (off unless the host's user ticks it
at approval), the data channel ``files`` (opened by the host while that permission is granted), the page's script,
the console commands ``send PATH`` and ``cancel``, tray entries, two settings (``[plugins.files]``) and audit records.
The channel's messages are in ``docs/files.md``.
"""

__version__ = "0.1.0"
