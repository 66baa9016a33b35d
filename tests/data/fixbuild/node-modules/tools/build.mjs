// The JS build: bundle src/ into dist/server.js with esbuild (the build machine's own binary).
import { buildSync } from "esbuild";

buildSync({ entryPoints: ["src/server.js"], bundle: true, platform: "node", outfile: "dist/server.js",
            external: ["esbuild"] });
