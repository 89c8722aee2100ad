// The splitc version: defined in @splitc/compile, which stamps it into every generated file and manifest.
export { VERSION } from '@splitc/compile';
