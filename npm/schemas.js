// Validation of what peers send, with any library that implements Standard Schema (zod, valibot,
// arktype...): `schema['~standard'].validate(value)` is all this needs, so no schema library is a
// dependency. See https://standardschema.dev.
import { readOption } from './checks.js';
import { invalidArgument } from './errors.js';

/** The option names, and the `source` each reports as in `onInvalid`. */
export const SOURCES = { appMessage: 'app-message', userData: 'user-data', sessionData: 'session-data' };

/** Checks `options.schemas`; returns them, or null when there are none. */
export function readSchemas(options) {
  const schemas = readOption(options, 'schemas');
  if (schemas === undefined || schemas === null) return null;
  if (typeof schemas !== 'object') throw invalidArgument('options.schemas must be an object');
  const found = {};
  for (const name of Object.keys(SOURCES)) {
    const schema = schemas[name];
    if (schema === undefined) continue;
    if (typeof schema?.['~standard']?.validate !== 'function') {
      throw invalidArgument(`options.schemas.${name} must be a Standard Schema (zod, valibot, arktype...)`);
    }
    found[name] = schema;
  }
  // The requests' schemas by method, and presence's by name: read by npm/rpc.js and
  // npm/presence.js (in the entry that has them), with schemasByName.
  found.rpc = schemas.rpc;
  found.presence = schemas.presence;
  return found;
}

/**
 * `options.schemas[option]` (an object of name -> Standard Schema) as a Map (so that no name finds
 * Object's members), or the error that says what is wrong with it, for the first use to throw.
 */
export function schemasByName(byName, option, names) {
  const map = new Map();
  if (byName === undefined) return map;
  if (byName === null || typeof byName !== 'object') return invalidArgument(`options.schemas.${option} must map ${names} to schemas`);
  try {
    for (const [name, schema] of Object.entries(byName)) {
      if (typeof schema?.['~standard']?.validate !== 'function') {
        return invalidArgument(`options.schemas.${option}['${name}'] must be a Standard Schema (zod, valibot, arktype...)`);
      }
      map.set(name, schema);
    }
  } catch {
    return invalidArgument(`options.schemas.${option} cannot be read`);
  }
  return map;
}

export const isThenable = (value) => value !== null && typeof value === 'object' && typeof value.then === 'function';

/**
 * `{ value }` when `value` passes `schema` (the schema's output: it may transform), `{ issues }`
 * when not; a Promise of one for an asynchronous schema. A schema that throws is a failure too.
 */
export function validate(schema, value) {
  const failed = (error) => ({ issues: [{ message: `the schema threw: ${error?.message ?? String(error)}` }] });
  const read = (result) =>
    result !== null && typeof result === 'object' && Array.isArray(result.issues)
      ? { issues: result.issues }
      : { value: result?.value };
  try {
    const result = schema['~standard'].validate(value);
    return isThenable(result) ? Promise.resolve(result).then(read, failed) : read(result);
  } catch (error) {
    return failed(error);
  }
}
