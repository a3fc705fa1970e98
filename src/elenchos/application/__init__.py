"""Use cases and the ports they need.

Like the domain, this package imports no framework: adapters implement the
ports, and the composition root in elenchos.bootstrap wires them in.
"""
