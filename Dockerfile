# Trove in a container. The build stage installs and packs exactly as CI does (`npm ci`, then `npm pack`, which
# compiles the CLI and server into dist/); the image installs that package on a slim Node image and runs it as the
# unprivileged `node` user, with the data folder (embedded database, signing secret, local storage) as a volume.
# Build: docker build -t trove .   Run: see the README, "Containers".

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm pack --pack-destination /pack

FROM node:20-bookworm-slim
# Off loopback Trove serves tokens only: make the first admin token with `trove token create --role admin`.
ENV NODE_ENV=production \
    TROVE_DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=4000 \
    TROVE_AUTH=required
COPY --from=build /pack/ /tmp/pack/
RUN npm install --global --no-audit --no-fund /tmp/pack/trove-*.tgz \
    && rm -rf /tmp/pack /root/.npm \
    && mkdir -p /data \
    && chown node:node /data
USER node
WORKDIR /data
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
    CMD ["node", "-e", "fetch('http://127.0.0.1:4000/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["trove", "serve"]
