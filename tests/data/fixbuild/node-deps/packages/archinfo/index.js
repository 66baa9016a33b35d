// The native program comes from the optional package of this platform (archinfo-<os>-<cpu>): npm installs
// only the one whose `os` and `cpu` match the machine it runs on.
const { execFileSync } = require("node:child_process");
const path = require("node:path");

function program() {
  const pkg = `archinfo-${process.platform}-${process.arch}`;
  let dir;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`archinfo: package ${pkg} is not installed: node_modules were installed on another platform`);
  }
  return path.join(dir, "bin", "archinfo");
}

exports.describe = () => execFileSync(program(), { encoding: "utf8" }).trim();
