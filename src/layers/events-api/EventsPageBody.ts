import { JsonScanner, NEWLINE, OPEN_ARRAY, OPEN_OBJECT } from "../../codecs/JsonScanner.js"
import { JsonSyntaxError, JsonWalk } from "../../codecs/JsonWalk.js"

/**
 * Finds the records of an events API response body and copies each one's bytes out as an NDJSON
 * line, without parsing the records into JavaScript values: ids and numbers stay byte-exact (a
 * 19-digit `category_id` does not survive `JSON.parse`), and copying is much cheaper than
 * building objects. The whole body is still checked to be valid JSON.
 *
 * The records are the body itself when it is an array, or the array under `data`, `events`,
 * `results` or `items`. A total record count is read from `meta`/`metadata`/`pagination`
 * (`total`, `total_count`, `totalCount`) or from the same keys at the top level.
 */
export interface ScannedBody {
  readonly records: number
  readonly ndjson: Uint8Array
  readonly total: number | undefined
}

const json = new JsonScanner()

export const ENVELOPE_KEYS: ReadonlyArray<string> = ["data", "events", "results", "items"]
const META_KEYS: ReadonlyArray<string> = ["meta", "metadata", "pagination"]
const TOTAL_KEYS: ReadonlyArray<string> = ["total", "total_count", "totalCount"]
const asTotal = (value: unknown): number | undefined => {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

const totalIn = (value: unknown): number | undefined => {
  if (typeof value !== "object" || value === null) return undefined
  for (const key of TOTAL_KEYS) {
    const total = asTotal((value as Record<string, unknown>)[key])
    if (total !== undefined) return total
  }
  return undefined
}

/** The walk over a response body: where the records are, and the total if the metadata has one. */
class BodyScanner extends JsonWalk {
  /** [start, end, needsCompacting, ...] of each record. */
  readonly spans: Array<number> = []
  total: number | undefined = undefined
  found = false

  records() {
    this.found = true
    this.array(0, (start, end, spaced) => this.spans.push(start, end, spaced ? 1 : 0))
  }

  envelope() {
    this.object(0, (key) => {
      const c = this.b[this.pos]
      if (!this.found && c === OPEN_ARRAY && ENVELOPE_KEYS.includes(key)) {
        this.records()
        return true
      }
      if (META_KEYS.includes(key) && c === OPEN_OBJECT) {
        this.total ??= totalIn(this.parsed())
        return true
      }
      if (TOTAL_KEYS.includes(key) && c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
        this.total ??= asTotal(this.parsed())
        return true
      }
      return false
    })
  }
}

/**
 * The records of a response body as NDJSON, or what makes the body unusable. The NDJSON is
 * written over the body itself (no second copy of a page): the body is consumed.
 */
export const scanEventsBody = (body: Uint8Array): ScannedBody | { readonly problem: string } => {
  const scanner = new BodyScanner(body)
  try {
    // A UTF-8 byte order mark is allowed before the JSON text.
    if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) scanner.pos = 3
    scanner.ws()
    const first = body[scanner.pos]
    if (first === OPEN_ARRAY) {
      scanner.records()
    } else if (first === OPEN_OBJECT) {
      scanner.envelope()
    } else {
      scanner.fail("expected a JSON array or object")
    }
    scanner.ws()
    if (scanner.pos !== body.length) scanner.fail("unexpected data after the JSON value")
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { problem: `the body is not valid JSON: ${error.message}` }
    throw error
  }
  if (!scanner.found) {
    return { problem: `the body holds no records array (a JSON array, or one under ${ENVELOPE_KEYS.join(", ")})` }
  }
  // Records are moved forward within the body, never past bytes still to be read: each one
  // gives up at least the comma or bracket after it for its newline.
  const spans = scanner.spans
  let at = 0
  for (let i = 0; i < spans.length; i += 3) {
    const start = spans[i] as number
    const end = spans[i + 1] as number
    if (spans[i + 2] === 1) {
      at = json.compact(body, start, end, at)
    } else {
      body.copyWithin(at, start, end)
      at += end - start
    }
    body[at++] = NEWLINE
  }
  return { records: spans.length / 3, ndjson: body.subarray(0, at), total: scanner.total }
}
