# One image, one compiled entry point per service: `docker run IMAGE dist/subgraphs/catalog/main.js`
# (the storefront: `dist/web/server/main.js`).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY patches ./patches
# patch-package: graphql-shield 7.6.5 (the last release) imports util.isUndefined, which Node 23 removed.
RUN npm ci --ignore-scripts && npx patch-package
COPY . .
RUN npx tsx scripts/prisma-generate.ts && npx graphql-codegen --config codegen.ts && npx tsc --noEmit -p . && npm run build
# The storefront's bundle (web/dist, hashed assets): built here, served by web/server/main.ts.
RUN npx vite build --config web/vite.config.ts

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
RUN npm prune --omit=dev --ignore-scripts && chown -R node:node /app
USER node
# Compiled JavaScript (npm run build): no TypeScript transpiled at start.
ENTRYPOINT ["node", "--enable-source-maps"]
CMD ["dist/gateway/main.js"]
