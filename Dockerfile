# syntax=docker/dockerfile:1
# Homeostat in one image: the operator, the dashboard and the CLI (`node bin/homeostat.js`).
#   docker build -t homeostat/homeostat:0.1.0 .
#   docker run --rm homeostat/homeostat:0.1.0 --help
# The Helm chart (charts/homeostat) runs it as uid 10001 with a read-only root filesystem and an
# emptyDir on /tmp.
ARG NODE_VERSION=20.19

# deps: production dependencies only, native modules compiled from source against this Node.
FROM node:${NODE_VERSION}-bookworm AS deps
WORKDIR /app
# better-sqlite3 is built here (python3, make and g++ come with this image) with the image's own
# Node headers, rather than downloading a prebuilt binary or headers from anywhere but npm.
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
# Fail the build, not the first start, when the native module is broken.
RUN node -e "new (require('better-sqlite3'))(':memory:').close()"

# build: the TypeScript compiled to dist/ (bin/build.mjs, esbuild), which bin/homeostat.js runs
# instead of the sources while it is newer than them: no tsx loader, less memory per process.
# The dashboard's web app is bundled here too (Vite, a development dependency), so this stage has
# every dependency; native install scripts are skipped, nothing here runs them.
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN node bin/build.mjs && node bin/build-web.mjs

# runtime: Node, the dependencies, the sources and their build, owned by root and run by an
# unprivileged user.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
RUN groupadd --system --gid 10001 homeostat \
 && useradd --system --uid 10001 --gid homeostat --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin homeostat
COPY --from=deps /app/node_modules ./node_modules
# The sources: .dockerignore leaves out tests, docs, the chart, local state and host node_modules.
COPY . .
# COPY keeps mtimes: the build stamp (written at build time) is newer than every source, so
# bin/homeostat.js runs dist/.
COPY --from=build /app/dist ./dist
COPY --from=build /app/dashboard/web/dist ./dashboard/web/dist
# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
# 8080 operator metrics, 8081 operator health, 8090 dashboard.
EXPOSE 8080 8081 8090
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/homeostat.js"]
CMD ["--help"]
