import type { Effect, Option } from "effect"
import { Context } from "effect"
import type { ApiError, AuthenticationError } from "../domain/Errors.js"
import type { Week } from "../domain/Week.js"

/**
 * One page of the events API. The records are kept as the bytes the API sent (a JSON
 * parse/stringify round trip would change a 19-digit `category_id`), already laid out as
 * `raw.ndjson` lines: one record a line, each ending in `\n`. Whitespace outside strings is the
 * only thing ever dropped, and only where a record spanned lines.
 */
export interface EventsPage {
  readonly page: number
  readonly records: number
  readonly ndjson: Uint8Array
  /** The record count of the whole window, when the response's metadata carries one. */
  readonly total: Option.Option<number>
}

export interface PageOptions {
  /** Overrides API_PAGE_SIZE for this request (`check-api` asks for one record). */
  readonly pageSize?: number
}

/**
 * The ecom events API: pages of raw records for a week, and a health check. Transient failures
 * (429, 5xx, connection, timeout) are retried inside; what comes out is final.
 */
export class EventsApi extends Context.Tag("retl/EventsApi")<
  EventsApi,
  {
    /** Records per page requested (API_PAGE_SIZE): a page with fewer is the last. */
    readonly pageSize: number
    readonly page: (
      week: Week,
      page: number,
      options?: PageOptions,
    ) => Effect.Effect<EventsPage, ApiError | AuthenticationError>
    /** `GET /health` answers 200: one attempt, no retry. */
    readonly health: Effect.Effect<void, ApiError>
  }
>() {}

/** The lines of a page as strings: for tests and diagnostics, not for a week's worth of data. */
export const pageLines = (page: EventsPage): ReadonlyArray<string> => {
  const text = new TextDecoder().decode(page.ndjson)
  return text === "" ? [] : text.slice(0, -1).split("\n")
}
