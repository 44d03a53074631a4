// bench/validate peer: ajv (npm), compiled from lakegate's JSON Schema of the Unicorn model,
// with allErrors (every error, as pydantic and lakegate report) and useDefaults (defaults
// filled in, as they do). Each payload goes from JSON text (JSON.parse) to valid or the
// error list, for `seconds` per payload.
//   node bench/validate/ajv_peer.js <payloads.json> <seconds> <schema.json>
"use strict";
const fs = require("fs");
const Ajv = require("ajv");

const [payloadFile, secondsArg, schemaFile] = process.argv.slice(2);
const seconds = Number(secondsArg);
const payloads = JSON.parse(fs.readFileSync(payloadFile, "utf8"));
const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
delete schema.$schema;
const ajv = new Ajv({allErrors: true, useDefaults: true, strict: false});
const validate = ajv.compile(schema);

function run(text) {
  const value = JSON.parse(text);
  return validate(value) ? value : validate.errors;
}

for (const [name, payload] of Object.entries(payloads)) {
  const text = JSON.stringify(payload);
  const first = JSON.parse(text);
  const outcome = validate(first) ? "valid" : `${validate.errors.length} errors`;
  let n = 0;
  const batch = 2000;
  const cpu = () => process.cpuUsage().user / 1e6;
  const t0 = cpu();
  const deadline = t0 + seconds;
  do {
    for (let i = 0; i < batch; i++) run(text);
    n += batch;
  } while (cpu() < deadline);
  const rate = n / (cpu() - t0);
  console.log(JSON.stringify({peer: "ajv " + require("ajv/package.json").version, payload: name, outcome,
                              records_per_s: Math.floor(rate)}));
}
