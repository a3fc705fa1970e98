"""In-memory adapters: public API for tests of Elenchos and of applications embedding it.

They behave like the SQLAlchemy adapters: unique indexes are enforced on
commit and a unit of work left without commit() changes nothing.
"""

from elenchos.adapters.memory.clock import FixedClock
from elenchos.adapters.memory.database import InMemoryDatabase
from elenchos.adapters.memory.hasher import FastPasswordHasher
from elenchos.adapters.memory.mailer import InMemoryMailer
from elenchos.adapters.memory.unit_of_work import InMemoryUnitOfWork, InMemoryUnitOfWorkFactory

__all__ = [
    "FastPasswordHasher",
    "FixedClock",
    "InMemoryDatabase",
    "InMemoryMailer",
    "InMemoryUnitOfWork",
    "InMemoryUnitOfWorkFactory",
]
