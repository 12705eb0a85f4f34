import { spawnSync } from "node:child_process"
import { bypassesProxy } from "../../../src/layers/crm/JsforceSession.js"
import { assert, describe, it } from "../../support/vitest.js"

describe("CrmJsforce and proxies", () => {
  it("never sends loopback traffic through a proxy, and honours NO_PROXY", () => {
    assert.isTrue(bypassesProxy("http://127.0.0.1:8091", ""))
    assert.isTrue(bypassesProxy("http://localhost:8091", ""))
    assert.isTrue(bypassesProxy("http://[::1]:8091", ""))
    assert.isFalse(bypassesProxy("https://login.salesforce.com", ""))
    assert.isTrue(bypassesProxy("https://acme.my.salesforce.com", "example.org, .salesforce.com"))
    assert.isTrue(bypassesProxy("https://test.salesforce.com", "test.salesforce.com:443"))
    assert.isTrue(bypassesProxy("https://login.salesforce.com", "*"))
    assert.isFalse(bypassesProxy("https://login.salesforce.com", "force.com"))
  })

  it("reaches the emulator on loopback while HTTP(S)_PROXY point at a dead proxy", () => {
    const dead = "http://127.0.0.1:9"
    const child = spawnSync(process.execPath, ["--import", "tsx", "test/support/proxiedSync.ts"], {
      env: { PATH: process.env.PATH ?? "", HTTP_PROXY: dead, HTTPS_PROXY: dead, http_proxy: dead, https_proxy: dead },
      encoding: "utf8",
      timeout: 60_000,
    })
    assert.strictEqual(child.status, 0, child.stderr)
    assert.deepInclude(JSON.parse(child.stdout.trim()), { created: 3 })
  })
})
