"""Benchmarks: our figures beside the raw limits of the parts underneath, in one run."""
