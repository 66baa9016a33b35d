// The local base image has Debian's nodejs without npm: fetch npm's own package from the npm registry.
// The registry is reached through the machine's TLS proxy; its CA comes in as the build secret `ca`
// (NODE_EXTRA_CA_CERTS).
import { writeFileSync } from "node:fs";

const url = "https://registry.npmjs.org/npm/-/npm-10.9.2.tgz";
const res = await fetch(url);
if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
writeFileSync(process.argv[2], Buffer.from(await res.arrayBuffer()));
