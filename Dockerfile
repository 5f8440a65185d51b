# The image docker-compose.yml builds: one image, run as `serve --no-worker` or `worker`.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
USER node
# Inside a container, loopback is unreachable from the published port: listen on every interface.
ENV HOST=0.0.0.0
EXPOSE 8080
CMD ["node", "bin/likeness.mjs", "serve"]
