import { draw } from "./EcomCatalog.js"

/** The generator's byte writers: each puts its value at `at` in `out` and answers where it ends. */

export const ascii = (text: string): Uint8Array => Buffer.from(text, "latin1")
const HEX = ascii("0123456789abcdef")
export const QUOTE = 0x22

/** Records are written as bytes straight into the response buffer: no strings, little garbage. */
export const put = (out: Uint8Array, at: number, bytes: Uint8Array): number => {
  out.set(bytes, at)
  return at + bytes.length
}

/** For a few bytes a plain loop is cheaper than a call into TypedArray#set. */
export const putShort = (out: Uint8Array, at: number, bytes: Uint8Array): number => {
  for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i] as number
  return at + bytes.length
}

/** `bytes`, quoted when `quote`. */
export const putId = (out: Uint8Array, at: number, bytes: Uint8Array, quote: boolean): number => {
  if (quote) out[at++] = QUOTE
  at = putShort(out, at, bytes)
  if (quote) out[at++] = QUOTE
  return at
}

export const putTwo = (out: Uint8Array, at: number, n: number): number => {
  out[at] = 0x30 + Math.floor(n / 10)
  out[at + 1] = 0x30 + (n % 10)
  return at + 2
}

/** A positive integer of exactly `digits` digits. */
export const putDigits = (out: Uint8Array, at: number, n: number, digits: number): number => {
  let rest = n
  for (let i = digits - 1; i >= 0; i--) {
    out[at + i] = 0x30 + (rest % 10)
    rest = Math.floor(rest / 10)
  }
  return at + digits
}

export const putHex = (out: Uint8Array, at: number, word: number, nibbles: number): number => {
  for (let i = nibbles - 1; i >= 0; i--) out[at++] = HEX[(word >>> (i * 4)) & 0xf] as number
  return at
}

/** A version-4 UUID drawn from `key`, quoted. */
export const putUuid = (out: Uint8Array, at: number, key: number): number => {
  const a = draw(key, 1)
  const b = draw(key, 2)
  const c = draw(key, 3)
  const d = draw(key, 4)
  out[at++] = QUOTE
  at = putHex(out, at, a, 8)
  out[at++] = 0x2d
  at = putHex(out, at, b >>> 16, 4)
  out[at++] = 0x2d
  at = putHex(out, at, 0x4000 | (b & 0x0fff), 4)
  out[at++] = 0x2d
  at = putHex(out, at, 0x8000 | ((c >>> 16) & 0x3fff), 4)
  out[at++] = 0x2d
  at = putHex(out, at, c & 0xffff, 4)
  at = putHex(out, at, d, 8)
  out[at++] = QUOTE
  return at
}
