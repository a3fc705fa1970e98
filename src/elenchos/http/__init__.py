"""The FastAPI layer: routers, schemas, dependencies and the problem+json error mapping."""
