# Mellon Recovery: API + inline mail worker. The same image runs `npm run worker` for a separate worker.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/templates ./templates
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/demo ./demo
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/report ./report
EXPOSE 3000
USER node
CMD ["node", "--max-old-space-size=200", "--v8-pool-size=0", "--heap-growing-percent=100", "dist/src/main.js"]
