import { it as effectIt, type TestOptions, type Vitest } from "@effect/vitest"
import { Effect, Logger } from "effect"

export * from "@effect/vitest"

const withoutDefaultLogger = Logger.remove(Logger.defaultLogger)

const quietly =
  <A, E, R, Args extends Array<unknown>>(
    self: Vitest.TestFunction<A, E, R, Args>,
  ): Vitest.TestFunction<A, E, R, Args> =>
  (...args) =>
    Effect.provide(self(...args), withoutDefaultLogger)

const quiet = <R>(tester: Vitest.Tester<R>): Vitest.Tester<R> => {
  const test =
    (run: Vitest.Test<R>): Vitest.Test<R> =>
    (name, self, timeout) =>
      run(name, quietly(self), timeout)
  return Object.assign(test(tester), {
    skip: test(tester.skip),
    only: test(tester.only),
    fails: test(tester.fails),
    skipIf: (condition: unknown) => test(tester.skipIf(condition)),
    runIf: (condition: unknown) => test(tester.runIf(condition)),
    each:
      <T>(cases: ReadonlyArray<T>) =>
      <A, E>(name: string, self: Vitest.TestFunction<A, E, R, Array<T>>, timeout?: number | TestOptions) =>
        tester.each(cases)(name, quietly(self), timeout),
    prop: ((name, arbitraries, self, timeout) =>
      tester.prop(name, arbitraries, quietly(self), timeout)) satisfies Vitest.Tester<R>["prop"],
  })
}

const live = quiet(effectIt.live)
const scopedLive = quiet(effectIt.scopedLive)

/**
 * `@effect/vitest`'s `it`, except that `it.live` and `it.scopedLive` run without Effect's default
 * logger too, as `it.effect` and `it.scoped` already do: a test prints none of the program's log
 * lines. A test that asserts them installs a logger of its own (`captureLogs`), which is kept.
 * Every other member (plain `it`, `it.effect`, `it.skip`, ...) is @effect/vitest's own, hence the
 * proxy rather than a copy. Tests import from here; biome refuses `@effect/vitest` under test/.
 */
export const it: Vitest.Methods = new Proxy(effectIt, {
  get: (target, key, receiver) =>
    key === "live" ? live : key === "scopedLive" ? scopedLive : Reflect.get(target, key, receiver),
})
