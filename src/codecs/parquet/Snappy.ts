import { compressSync } from "snappy"

/**
 * Snappy through the native codec (napi-rs): `compressSync` makes the raw block format Parquet
 * pages hold (the uncompressed length as a varint, then the compressed elements), not the framed
 * stream format; about ten times faster than hyparquet-writer's Snappy in JavaScript.
 */
export const COMPRESSORS = { SNAPPY: (input: Uint8Array): Uint8Array => compressSync(input) }
