# syntax=docker/dockerfile:1
# The codedance image: `codedance server` (the dashboard and API) and `codedance controller`.
#   docker build -f deploy/docker/codedance.Dockerfile -t codedance/codedance:0.1.0 .
# It runs as an unprivileged user (65532) on a distroless Node.js 20, under tini.

# Build everything: TypeScript and the dashboard's bundle.
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/router/package.json packages/router/
COPY packages/kubernetes/package.json packages/kubernetes/
COPY packages/server/package.json packages/server/
COPY packages/cli/package.json packages/cli/
COPY packages/web/package.json packages/web/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY packages packages
RUN npm run build && mkdir -p /data

# Only what the codedance command needs at run time; better-sqlite3 compiles here.
FROM node:20-bookworm AS runtime-deps
WORKDIR /app
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/packages/core/package.json packages/core/
COPY --from=build /src/packages/router/package.json packages/router/
COPY --from=build /src/packages/kubernetes/package.json packages/kubernetes/
COPY --from=build /src/packages/server/package.json packages/server/
COPY --from=build /src/packages/cli/package.json packages/cli/
COPY --from=build /src/packages/web/package.json packages/web/
RUN npm ci --omit=dev --workspace=codedance --no-audit --no-fund

# A statically linked init: PID 1 forwards signals and reaps the processes the server starts.
FROM debian:bookworm-slim AS init
RUN apt-get update && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*

FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production CODEDANCE_DATA=/var/lib/codedance
COPY --from=init /usr/bin/tini-static /tini
COPY --from=runtime-deps /app/node_modules node_modules
COPY --from=build /src/package.json ./
COPY --from=build /src/packages/core/package.json packages/core/
COPY --from=build /src/packages/core/dist packages/core/dist
COPY --from=build /src/packages/router/package.json packages/router/
COPY --from=build /src/packages/router/bin packages/router/bin
COPY --from=build /src/packages/router/dist packages/router/dist
COPY --from=build /src/packages/kubernetes/package.json packages/kubernetes/
COPY --from=build /src/packages/kubernetes/dist packages/kubernetes/dist
COPY --from=build /src/packages/server/package.json packages/server/
COPY --from=build /src/packages/server/dist packages/server/dist
COPY --from=build /src/packages/server/demo packages/server/demo
COPY --from=build /src/packages/web/package.json packages/web/
COPY --from=build /src/packages/web/dist packages/web/dist
COPY --from=build /src/packages/cli/package.json packages/cli/
COPY --from=build /src/packages/cli/bin packages/cli/bin
COPY --from=build /src/packages/cli/dist packages/cli/dist
COPY --from=build --chown=65532:65532 /data /var/lib/codedance
USER 65532:65532
EXPOSE 8100
ENTRYPOINT ["/tini", "--", "/nodejs/bin/node", "/app/packages/cli/bin/codedance.js"]
CMD ["server", "--host", "0.0.0.0"]
