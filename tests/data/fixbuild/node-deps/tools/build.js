// The JS build: every module of src/ into dist/, with a header naming its source (no dependencies).
const fs = require("node:fs");
const path = require("node:path");

fs.mkdirSync("dist", { recursive: true });
for (const name of fs.readdirSync("src").filter((n) => n.endsWith(".js")).sort()) {
  const code = fs.readFileSync(path.join("src", name), "utf8");
  fs.writeFileSync(path.join("dist", name), `// built from src/${name}\n"use strict";\n${code}`);
}
