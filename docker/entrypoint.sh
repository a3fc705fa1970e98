#!/bin/sh
# Container entry point: upgrades the database schema, then runs the command.
#
# `elenchos serve` skips migrations when ELENCHOS_ENV=production, so they run here
# before the server starts. Set ELENCHOS_SKIP_MIGRATE=1 when a separate job migrates.
# Other commands, such as `elenchos migrate --sql` or a shell, run without migrating
# first, so they work while the database is unreachable.
set -eu

if [ "$#" -ge 2 ] && [ "$1" = "elenchos" ] && [ "$2" = "serve" ] \
    && [ "${ELENCHOS_SKIP_MIGRATE:-0}" != "1" ]; then
    echo "elenchos-entrypoint: running elenchos migrate" >&2
    elenchos migrate
fi

exec "$@"
