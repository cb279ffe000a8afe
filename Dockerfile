# syntax=docker/dockerfile:1
# coursebot: build in a Rust image, run in a small distroless one as a non-root user.
#
#   docker build --build-arg COURSEBOT_GIT_COMMIT=$(git rev-parse --short=12 HEAD) -t coursebot .
#   docker run -d --name coursebot -e DISCORD_TOKEN=... -v coursebot-data:/data -p 127.0.0.1:9464:9464 coursebot
#
# The course content is baked in (/app/content); the database and the search index live on
# the /data volume. docs/DEPLOYMENT.md has the details.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
# Dependencies first, in their own layer: a change to src/ does not rebuild them.
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir -p src benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs benches/search.rs benches/discord.rs \
    && cargo build --release --locked \
    && rm -rf src benches
COPY migrations ./migrations
COPY src ./src
COPY benches ./benches
# .git is not in the build context: the commit comes in as a build argument (build.rs).
ARG COURSEBOT_GIT_COMMIT=
ENV COURSEBOT_GIT_COMMIT=${COURSEBOT_GIT_COMMIT}
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && mkdir -p /out/data/index \
    && cp target/release/coursebot /out/coursebot

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
WORKDIR /app
COPY --from=build /out/coursebot /usr/local/bin/coursebot
COPY content ./content
# The volume's mount point, owned by the non-root user (uid 65532 in distroless "nonroot").
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV COURSEBOT_CONTENT_DIR=/app/content \
    COURSEBOT_INDEX_DIR=/data/index \
    DATABASE_URL=sqlite:///data/coursebot.db \
    COURSEBOT_METRICS_ADDR=0.0.0.0:9464 \
    COURSEBOT_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/coursebot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/coursebot"]
CMD ["run"]
