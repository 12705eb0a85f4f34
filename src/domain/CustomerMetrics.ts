/**
 * One customer's week, as the warehouse view `vw_salesforce_customer_weekly_export` aggregates it
 * and as the Salesforce sync receives it. `external_signal_id` is `{user_id}:{week_start}`.
 * Times are ISO-8601 UTC strings (`2019-12-01T00:00:03.000000Z`), null when the customer had no
 * timed event.
 */
export interface CustomerWeeklyMetrics {
  readonly external_signal_id: string
  readonly user_id: string
  readonly week_start: string
  readonly week_end: string
  readonly event_count: number
  readonly view_count: number
  readonly cart_count: number
  readonly remove_from_cart_count: number
  readonly purchase_count: number
  readonly purchase_revenue: number
  readonly session_count: number
  readonly product_count: number
  readonly first_event_at: string | null
  readonly last_event_at: string | null
}

export const externalSignalId = (userId: string, weekStart: string): string => `${userId}:${weekStart}`
