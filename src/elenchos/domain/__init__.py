"""Pure business rules: entities, value objects and domain errors.

Nothing under this package may import a framework, a database driver or a
JWT library; a test enforces it.
"""
