# syntax=docker/dockerfile:1
#
# prestart as an image of its own: one static-stdlib binary on Debian 12 slim, plus the C libraries it uses
# (libsqlite3-0, linked; libpq5, opened when a config names a PostgreSQL database). Build and use:
#
#   docker build -t prestart .
#   docker run --rm -v "$PWD/prestart.toml:/app/prestart.toml:ro" -e PRESTART_NO_APP=1 prestart     # steps only
#
# PRESTART_NO_APP=1 (or `--entrypoint prestart … up --no-app`) runs the steps only, whatever the config's [app]
# says. The legacy builder works too (DOCKER_BUILDKIT=0; it reads the syntax line as a comment), and
# SWIFT_IMAGE / RUNTIME_IMAGE name other base images: scripts/test-container builds this file that way.
#
# An app image takes the binary, not this image, and keeps its own base (glibc 2.35 or newer: Debian 12,
# Ubuntu 22.04 and later):
#
#   COPY --from=prestart /usr/local/bin/prestart /usr/local/bin/prestart
#   RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libsqlite3-0 \
#       && rm -rf /var/lib/apt/lists/*
#   ENTRYPOINT ["prestart", "up", "--"]
#   CMD ["fastapi", "run", "--workers", "4", "app/main.py"]
#
# As PID 1 prestart supervises the app (forwards signals, reaps zombies, exits with the app's status), so
# neither tini nor dumb-init is needed.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev libsqlite3-dev libpg-query-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest names every target folder, test targets included, so all three are needed to resolve.
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product prestart \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/prestart" /out/prestart \
    && strip /out/prestart \
    && /out/prestart --version

FROM ${RUNTIME_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 libsqlite3-0 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /app --create-home --shell /usr/sbin/nologin prestart
COPY --from=build /out/prestart /usr/local/bin/prestart
USER 10001:10001
WORKDIR /app
ENTRYPOINT ["prestart", "up", "--"]
