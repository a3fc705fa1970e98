"""Sub-commands of the `elenchos` CLI, one module per command group."""
