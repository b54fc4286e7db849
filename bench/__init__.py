"""Benchmarks and quality reports. Run each as ``python -m bench.<name>``; they print figures."""
