import { Either } from "effect"
import {
  addFaultSpec,
  type FaultSettings,
  makeFaultPlan,
  noFaults,
} from "../../../src/emulators/events-api/EcomFaults.js"
import { assert, describe, it } from "../../support/vitest.js"

const spec = (...specs: ReadonlyArray<string>): FaultSettings =>
  specs.reduce((settings, s) => Either.getOrThrow(addFaultSpec(settings, s)), noFaults)

describe("EcomFaults", () => {
  it("reads --fault specs: kinds with a share, transient spread evenly, sequences", () => {
    assert.deepStrictEqual(spec("503:5", "slow:1").shares, { "503": 5, slow: 1 })
    assert.deepStrictEqual(spec("transient:12").shares, { "429": 2, "500": 2, "502": 2, "503": 2, "504": 2, drop: 2 })
    assert.deepStrictEqual(spec("sequence:429,drop,ok").sequence, ["429", "drop", "ok"])
    assert.isTrue(Either.isLeft(addFaultSpec(noFaults, "418:5")))
    assert.isTrue(Either.isLeft(addFaultSpec(noFaults, "503:150")))
    assert.isTrue(Either.isLeft(addFaultSpec(noFaults, "503")))
    assert.isTrue(Either.isLeft(addFaultSpec(noFaults, "sequence:429,teapot")))
  })

  it("plays the sequence first, in arrival order, then the shares", () => {
    const plan = makeFaultPlan(spec("sequence:429,503"), 1)
    assert.deepStrictEqual([plan.next("p1", 1), plan.next("p1", 1), plan.next("p1", 1)], ["429", "503", "ok"])
  })

  it("decides per page and attempt, so the same pages fail the same way in any order", () => {
    const settings = spec("transient:30")
    const forward = makeFaultPlan(settings, 9)
    const backward = makeFaultPlan(settings, 9)
    const pages = Array.from({ length: 200 }, (_, i) => i + 1)
    const a = pages.map((p) => [forward.next(`k${p}`, p), forward.next(`k${p}`, p)])
    const b = [...pages].reverse().map((p) => [backward.next(`k${p}`, p), backward.next(`k${p}`, p)])
    assert.deepStrictEqual(a, b.reverse())
    const faulted = a.flat().filter((f) => f !== "ok").length
    assert.isAbove(faulted, 80)
    assert.isBelow(faulted, 160)
  })
})
