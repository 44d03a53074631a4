# lakegate image: built with the same scripts as the README and CI.
FROM debian:bookworm-slim AS build
WORKDIR /src
COPY . .
RUN scripts/install-deps && scripts/build build && cmake --install build --prefix /opt/lakegate

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      liblua5.4-0 lua-cjson libcivetweb1 libcurl4 libssl3 zlib1g libpcre2-8-0 libexpat1 libjansson4 \
      ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/lakegate --create-home lakegate
COPY --from=build /opt/lakegate /opt/lakegate
USER lakegate
WORKDIR /var/lib/lakegate
ENV LAKEGATE_LISTEN=0.0.0.0:8000 \
    LAKEGATE_ROUTES=/opt/lakegate/share/lakegate/routes \
    LAKEGATE_LAKE=/var/lib/lakegate/lake \
    LAKEGATE_SPOOL=/var/lib/lakegate/spool
EXPOSE 8000
VOLUME /var/lib/lakegate
HEALTHCHECK --interval=30s --timeout=5s CMD ["/opt/lakegate/bin/lakegate", "health", "http://127.0.0.1:8000/healthz"]
CMD ["/opt/lakegate/bin/lakegate", "serve"]
