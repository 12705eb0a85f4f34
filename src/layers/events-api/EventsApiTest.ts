import { Effect, Layer, Option } from "effect"
import type { ApiError, AuthenticationError } from "../../domain/Errors.js"
import type { Week } from "../../domain/Week.js"
import { EventsApi, type EventsPage } from "../../services/EventsApi.js"

/** What page `n` answers: its records' JSON texts, or a final error (after retries, as the live layer would). */
export type TestPage = ReadonlyArray<string> | ApiError | AuthenticationError

export interface EventsApiTestOptions {
  readonly pageSize: number
  /** The total the API reports in every page's metadata. */
  readonly total?: number
  /** Called with each page number asked for, in order of asking. */
  readonly onRequest?: (page: number) => void
}

const encoder = new TextEncoder()

/** A page built from record texts, as the live layer would hand it over. */
export const testPage = (page: number, records: ReadonlyArray<string>, total?: number): EventsPage => ({
  page,
  records: records.length,
  ndjson: encoder.encode(records.map((record) => `${record}\n`).join("")),
  total: Option.fromNullable(total),
})

/** Pages from an array: `pages[n - 1]` answers page `n`; pages past the end are empty. */
export const layer = (pages: ReadonlyArray<TestPage>, options: EventsApiTestOptions): Layer.Layer<EventsApi> => {
  const page = Effect.fn("EventsApi.page")((_week: Week, n: number) =>
    Effect.suspend(() => {
      options.onRequest?.(n)
      const answer = pages[n - 1] ?? []
      return Array.isArray(answer)
        ? Effect.succeed(testPage(n, answer as ReadonlyArray<string>, options.total))
        : Effect.fail(answer as ApiError | AuthenticationError)
    }),
  )
  const health = Effect.fn("EventsApi.health")(() => Effect.void)
  return Layer.succeed(EventsApi, EventsApi.of({ pageSize: options.pageSize, page, health: health() }))
}
