/**
 * A run tag names the sidecars that stages hand to each other (`_stage_{name}_{tag}.json`).
 * Airflow's run ids hold `:` and `+` and could hold `/` or `..`; a tag keeps only
 * `[A-Za-z0-9_-]`, so it can never leave the directory it is written in. When anything had to be
 * replaced, a short hash of the original keeps two different ids from sharing a tag.
 */
const UNSAFE = /[^A-Za-z0-9_-]/g
const MAX_LENGTH = 96

/** FNV-1a, 32 bits: a stable, dependency-free fingerprint for tags (not for security). */
const fnv1a = (text: string): string => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, "0")
}

export const safeRunTag = (runId: string): string => {
  const cleaned = runId.replace(UNSAFE, "_").slice(0, MAX_LENGTH)
  if (cleaned === runId && cleaned.length > 0) return cleaned
  return `${cleaned.replace(/_+/g, "_").replace(/^_|_$/g, "")}-${fnv1a(runId)}`.replace(/^-/, "run-")
}
