"""Generated documentation: the OpenAPI document, the Postman collection, .env.example and tables.

`elenchos docs` (or `make docs`) rewrites them, and a unit test fails while any is stale.
"""
