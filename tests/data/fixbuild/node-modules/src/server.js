// At run time the service uses esbuild's native binary (node_modules/@esbuild/linux-<arch>): it must be
// the image's platform.
const esbuild = require("esbuild");

const out = esbuild.transformSync("let x: number = 42; console.log(x)", { loader: "ts" }).code.trim();
console.log(`node-modules ${process.arch} esbuild ${esbuild.version}: ${out}`);
