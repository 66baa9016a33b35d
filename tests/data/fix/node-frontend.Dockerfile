# Builder on the TARGET platform: `npm ci` and `npm run build` run under QEMU
# for non-native targets although the output (dist/) is arch-independent.
# Better: FROM --platform=$BUILDPLATFORM node:20-bookworm AS build.
FROM --platform=$BUILDPLATFORM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY build.mjs ./
COPY src ./src
RUN npm run build

FROM nginx:1.27-alpine
COPY --from=build /app/dist /usr/share/nginx/html
