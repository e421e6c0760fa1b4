"""A plugin that fails on import, as one with a missing dependency does."""

raise ImportError("sample_broken needs the 'frobnicate' package, which is not installed")
