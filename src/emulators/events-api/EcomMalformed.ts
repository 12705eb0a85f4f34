/** The ways the generator breaks a record, and whether a validating reader must reject each. */

export const MALFORMED_KINDS = [
  "missing_user_id",
  "negative_price",
  "bad_timestamp",
  "outside_week",
  "price_as_string",
  "extra_fields",
] as const
export type MalformedKind = (typeof MALFORMED_KINDS)[number]

/**
 * Whether a validating pipeline should reject a record of each kind. A numeric string price and
 * unknown extra fields are odd but readable: the record is kept.
 */
export const REJECTED: Record<MalformedKind, boolean> = {
  missing_user_id: true,
  negative_price: true,
  bad_timestamp: true,
  outside_week: true,
  price_as_string: false,
  extra_fields: false,
}

export interface Malformed {
  /** 0-based position in the window's record order (its line in `raw.ndjson`). */
  readonly index: number
  readonly kind: MalformedKind
  readonly rejected: boolean
}
