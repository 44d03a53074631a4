# lakegate in one image:
#   docker build -t lakegate .
#   docker run --rm -p 8000:8000 -v lakegate-spool:/var/lib/lakegate/spool lakegate
# The build stage runs the same scripts as the README and CI (scripts/install-deps,
# scripts/build) and installs with `cmake --install`; the runtime stage keeps that layout
# under /opt/lakegate with only the binary, the Lua runtime library, the example routes and
# the shared libraries the binary needs. tests/integration/test_dockerfile.py checks this
# file statically.

FROM debian:bookworm-slim AS build
WORKDIR /src
COPY . .
# Runtime and build packages only (no --test), so the test suite is not configured here.
RUN scripts/install-deps \
    && scripts/build build -DBUILD_TESTING=OFF \
    && cmake --install build --prefix /opt/lakegate

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
         ca-certificates libcivetweb1 libcurl4 liblua5.4-0 libpcre2-8-0 libssl3 zlib1g libexpat1 libjansson4 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 lakegate \
    && useradd --system --uid 10001 --gid lakegate --home-dir /var/lib/lakegate \
         --shell /usr/sbin/nologin lakegate \
    && mkdir -p /var/lib/lakegate/spool /var/lib/lakegate/lake \
    && chown -R lakegate:lakegate /var/lib/lakegate
COPY --from=build /opt/lakegate/bin/lakegate /opt/lakegate/bin/lakegate
COPY --from=build /opt/lakegate/share/lakegate/lua /opt/lakegate/share/lakegate/lua
# The example app; mount your own routes over /etc/lakegate/routes.
COPY --from=build /opt/lakegate/share/lakegate/routes /etc/lakegate/routes

# Every setting can be overridden with `docker run -e LAKEGATE_...` (see `lakegate --help`);
# AWS credentials come from the usual AWS_* variables or the ECS task role.
ENV LAKEGATE_LISTEN=0.0.0.0:8000 \
    LAKEGATE_ROUTES=/etc/lakegate/routes \
    LAKEGATE_LAKE=/var/lib/lakegate/lake \
    LAKEGATE_SPOOL=/var/lib/lakegate/spool
USER 10001:10001
WORKDIR /var/lib/lakegate
EXPOSE 8000
# Acknowledged records wait in the spool until they reach the lake: keep it on a volume.
VOLUME ["/var/lib/lakegate/spool", "/var/lib/lakegate/lake"]
# bookworm-slim has no curl; `lakegate health` asks http://$LAKEGATE_LISTEN/healthz.
# (dockerfilelint 1.8 crashes on a HEALTHCHECK without options and rejects --start-period.)
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD ["/opt/lakegate/bin/lakegate", "health"]
CMD ["/opt/lakegate/bin/lakegate", "serve"]
