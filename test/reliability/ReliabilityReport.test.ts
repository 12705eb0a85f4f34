import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { tempDir as makeTempDir } from "../support/TempDir.js"
import { assert, describe, it } from "../support/vitest.js"
import { parseTally, renderReport, writeReport } from "./ReliabilityReport.js"

const line = (suite: string, name: string, tried: number, passed: number, mode = "long") =>
  JSON.stringify({ suite, case: name, tried, passed, mode })

const INFO = { generatedAt: "2026-01-01T00:00:00.000Z", commit: "abc1234" }

describe("RELIABILITY.md from the tally", () => {
  it("sums each case over its lines, keeps the long mode only, and gives every suite that appears", () => {
    const text = [
      line("crash-restart", "SIGKILL in load · full run", 1, 1),
      line("crash-restart", "SIGKILL in load · full run", 1, 1),
      line("crash-restart", "SIGKILL in load · full run", 5, 5, "short"),
      line("fault-matrix", "events API × 503 burst", 3, 3),
      line("fault-matrix", "lake × disk full", 2, 1),
      line("hostile-input", "records", 500, 500),
      line("secrets", "crash-restart: clean run", 12, 12),
      line("a-new-suite", "case | with a pipe", 4, 4),
      "{torn",
    ].join("\n")
    const { lines, skipped } = parseTally(text)
    assert.strictEqual(lines.length, 7)
    assert.strictEqual(skipped, 2)

    const md = renderReport(lines, INFO)
    assert.include(md, "| crash-restart | SIGKILL in load · full run | 2 | 2 |")
    assert.include(md, "- **Fault-matrix cells passed: 1 of 2** (4 of 5 runs)")
    assert.include(md, "- **Crash trials passed: 2 of 2**")
    assert.include(md, "- **Generated inputs tried: 500**")
    assert.include(md, "- **Secret scans clean: 12 of 12**")
    assert.include(md, "| a-new-suite | case \\| with a pipe | 4 | 4 |")
    assert.include(md, "- **a-new-suite: cases passed: 4 of 4**")
    assert.include(md, "**Failed: 1 case(s)**: fault-matrix / lake × disk full (1 of 2)")
    assert.include(md, "commit abc1234")
    // Known suites first, in their order; others after.
    const order = ["| fault-matrix |", "| crash-restart |", "| hostile-input |", "| secrets |", "| a-new-suite |"]
    const at = order.map((row) => md.indexOf(row))
    assert.deepStrictEqual(
      [...at].sort((a, b) => a - b),
      at,
    )
  })

  it("says every case passed when none failed", () => {
    const md = renderReport(parseTally(line("paths", "run tag with ..", 9, 9)).lines, INFO)
    assert.include(md, "- **Every case passed.**")
    assert.include(md, "## What the pipeline guarantees")
  })

  it("writes nothing from a tally of the short mode only: npm test never rewrites RELIABILITY.md", () => {
    const dir = makeTempDir("retl-report-")
    const tally = join(dir, "tally.jsonl")
    const target = join(dir, "RELIABILITY.md")
    writeFileSync(tally, `${line("crash-restart", "SIGKILL in extract · full run", 1, 1, "short")}\n`)
    assert.throws(() => writeReport(tally, target, INFO), /no line of a long run/)
    assert.isFalse(existsSync(target))
    writeFileSync(tally, `${line("crash-restart", "SIGKILL in extract · full run", 1, 1)}\n`)
    writeReport(tally, target, INFO)
    assert.include(readFileSync(target, "utf8"), "| crash-restart | SIGKILL in extract · full run | 1 | 1 |")
  })
})
