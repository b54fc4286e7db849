"""Adapters for the tools users already run: Hugging Face ``datasets`` (``cleaner.adapters.hf``)
and datatrove (``cleaner.adapters.datatrove``). Each is an optional extra; importing this package
imports neither."""
