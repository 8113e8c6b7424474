"""The example project (``demo_project/``) and ``python -m examples.demo``, which runs it."""
