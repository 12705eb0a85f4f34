import { Schema } from "effect"

/**
 * A file a stage wrote, as its output, its sidecar and the week's marker record it: where it is,
 * its size and its SHA-256 (a later stage on another worker checks the copy it fetches against them).
 */
export const FileFacts = Schema.Struct({ path: Schema.String, sizeBytes: Schema.Number, sha256: Schema.String })
export type FileFacts = typeof FileFacts.Type
