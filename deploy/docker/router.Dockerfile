# syntax=docker/dockerfile:1
# The router image: `codedance-router`, the data plane that splits an app's traffic.
#   docker build -f deploy/docker/router.Dockerfile -t codedance/codedance-router:0.1.0 .
# It needs no compiler at run time and nothing of the server: two small dependencies.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/router/package.json packages/router/
COPY packages/kubernetes/package.json packages/kubernetes/
COPY packages/server/package.json packages/server/
COPY packages/cli/package.json packages/cli/
COPY packages/web/package.json packages/web/
RUN npm ci --workspace=@codedance/router --include-workspace-root --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages/router packages/router
RUN npx tsc -b packages/router \
  && rm -rf node_modules \
  && npm ci --omit=dev --workspace=@codedance/router --no-audit --no-fund \
  && mkdir -p /state

# The router is a group of processes: under an init, a follower takes over when the leader dies
# instead of the container ending with it.
FROM debian:bookworm-slim AS init
RUN apt-get update && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*

FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=init /usr/bin/tini-static /tini
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/packages/router/package.json packages/router/
COPY --from=build /src/packages/router/bin packages/router/bin
COPY --from=build /src/packages/router/dist packages/router/dist
COPY --from=build --chown=65532:65532 /state /var/lib/codedance-router
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/tini", "--", "/nodejs/bin/node", "/app/packages/router/bin/codedance-router.js"]
CMD ["--listen=0.0.0.0:8080", "--control=/tmp/codedance-router.sock", "--state=/var/lib/codedance-router/routes.json"]
