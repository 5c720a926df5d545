// Reads a caller's value without letting a hostile Proxy throw into Rust (see src/convert.rs).

/**
 * What a caller's value is: 'array', 'plain' (a plain object), 'object' (any other object),
 * 'hostile' (inspecting it threw), or its typeof.
 */
export function kindOf(value) {
  try {
    if (Array.isArray(value)) return 'array';
    if (value === null || typeof value !== 'object') return value === null ? 'null' : typeof value;
    const prototype = Object.getPrototypeOf(value);
    return prototype === null || prototype === Object.prototype ? 'plain' : 'object';
  } catch {
    return 'hostile';
  }
}

/** A copy of an array-like, or null when reading it throws. */
export function copyArray(value) {
  try {
    return Array.from(value);
  } catch {
    return null;
  }
}
