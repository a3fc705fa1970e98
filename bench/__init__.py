"""The benchmark harness of Elenchos; run it with `make bench` or `python -m bench.run`."""
