"""Parts of ``python -m bench stream``: the X client that changes the screen, the host process, the page."""
