# syntax=docker/dockerfile:1
# Needs BuildKit (the default builder since Docker 23) for RUN --mount and COPY --chmod.

# Builder: turns the project and every dependency into wheels.
FROM python:3.12-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
RUN pip wheel --wheel-dir /wheels .


# Runtime: the installed wheels and nothing from the build.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ELENCHOS_DATA_DIR=/var/lib/elenchos

# A fixed UID lets hosts grant the container access to mounted files, such as the
# JWT signing key, with chown 10001.
RUN groupadd --system --gid 10001 elenchos \
    && useradd --system --uid 10001 --gid elenchos --no-create-home \
        --home-dir /var/lib/elenchos --shell /usr/sbin/nologin elenchos \
    && mkdir -p /var/lib/elenchos \
    && chown elenchos:elenchos /var/lib/elenchos

# The bind mount keeps the wheels out of the image layers.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels elenchos

COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/elenchos-entrypoint

WORKDIR /app
USER elenchos

EXPOSE 8000

# python:3.12-slim has no curl. urlopen raises on a refused connection or an HTTP
# error status, so the check exits 1 unless /healthz returns 2xx. The port must match
# the --port in CMD.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

ENTRYPOINT ["elenchos-entrypoint"]
CMD ["elenchos", "serve", "--host", "0.0.0.0", "--port", "8000"]
