"""argon2id password hashing with argon2-cffi."""

from elenchos.adapters.argon2.hasher import Argon2PasswordHasher

__all__ = ["Argon2PasswordHasher"]
