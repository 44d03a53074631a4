// Validates an OpenAPI document with @apidevtools/swagger-parser, an implementation that is
// not lakegate's. Usage: node validate_openapi.js FILE.json   (exit 0 when valid)
"use strict";
const SwaggerParser = require("@apidevtools/swagger-parser");
const fs = require("fs");

const doc = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
SwaggerParser.validate(doc)
  .then((api) => {
    console.log(`valid OpenAPI ${api.openapi}: ${Object.keys(api.paths).length} paths`);
  })
  .catch((err) => {
    console.error(`invalid: ${err.message}`);
    process.exit(1);
  });
