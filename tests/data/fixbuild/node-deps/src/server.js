// At run time the service asks `archinfo`, whose native program must be the image's platform.
const archinfo = require("archinfo");

console.log(`node-deps ${process.platform}/${process.arch}: ${archinfo.describe()}`);
