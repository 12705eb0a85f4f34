import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"

/**
 * Vitest's hooks when this runs under vitest; none in a script a test runs as a child process
 * (proxiedSync.ts), where importing vitest throws and whose directories are the script's to remove.
 */
const hooks = process.env.VITEST === undefined ? undefined : await import("vitest")

const remove = (dir: string) => rmSync(dir, { recursive: true, force: true })

/** Directories made outside any test (a `describe` body, an `it.layer`), removed when the file's tests end. */
const forTheFile = new Set<string>()
hooks?.afterAll(() => {
  for (const dir of forTheFile) remove(dir)
  forTheFile.clear()
})

/**
 * A fresh directory under the OS temp dir, named `prefix` + random, removed when the test that
 * made it finishes (passed or failed), or when the file's tests end if no test is running. For
 * code that is not an Effect; inside one, prefer `scopedTempDir`.
 */
export const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  try {
    hooks?.onTestFinished(() => remove(dir))
  } catch {
    forTheFile.add(dir)
  }
  return dir
}

/** A fresh temp directory that lives as long as the scope: removed, with all it holds, when the scope closes. */
export const scopedTempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (dir) => Effect.sync(() => remove(dir)),
  )
