// The element count of a shape, defined once: every package (the light runtime included) depends
// on @splitc/diagnostics, so the one definition lives here; @splitc/onnx and @splitc/ir re-export it.

/** Elements of a tensor of shape `dims` (1 for a scalar): the one definition every package uses. */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
