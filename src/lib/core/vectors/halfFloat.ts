/**
 * IEEE 754 half precision (binary16), the `<f2` of NumPy and the FLOAT16 of Arrow and Parquet.
 * Written out because `DataView.getFloat16` is too new for the browsers and Node versions we support.
 */

/** The number a binary16 bit pattern (1 sign, 5 exponent, 10 fraction bits) stands for. */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;

  // Exponent 0 holds zero and the subnormals; 31 holds the infinities and NaN.
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
