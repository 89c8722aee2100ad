// The splitc version, stamped into every generated file and manifest.
export const VERSION = '0.1.0';
