import { createHmac, timingSafeEqual } from "node:crypto"

/** Azurite's well-known development account: public, for emulators and tests only. */
export const DEV_ACCOUNT = "devstoreaccount1"
export const DEV_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

/** What the signature covers, as the server received it. */
export interface SignedRequest {
  readonly method: string
  /** The URL path exactly as sent, still percent-encoded: `/devstoreaccount1/fs/dir/file`. */
  readonly pathname: string
  /** The raw query string, without `?`. */
  readonly search: string
  /** Header names lowercased (as node:http gives them). */
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
}

export type AuthResult = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly message: string }

const OK: AuthResult = { ok: true }
const refuse = (code: string, message: string): AuthResult => ({ ok: false, code, message })

const header = (request: SignedRequest, name: string): string => {
  const value = request.headers[name]
  return value === undefined ? "" : Array.isArray(value) ? value.join(",") : String(value)
}

/** Query parameters with keys lowercased and values decoded; repeated keys keep every value. */
export const queryParams = (search: string): Map<string, Array<string>> => {
  const params = new Map<string, Array<string>>()
  for (const part of search.split("&")) {
    if (part === "") continue
    const eq = part.indexOf("=")
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq)).toLowerCase()
    const value = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1))
    params.set(key, [...(params.get(key) ?? []), value])
  }
  return params
}

/**
 * Storage sorts header names the way .NET's en-US culture compares them: hyphens are ignored
 * first and only break ties. Plain code-point order differs for names like `x-ms-meta-a` vs `x-ms-metab`.
 */
const compareHeaderNames = (a: string, b: string): number => {
  const [ka, kb] = [a.replaceAll("-", ""), b.replaceAll("-", "")]
  if (ka !== kb) return ka < kb ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** The string a SharedKey signature is computed over (Blob, Queue and Data Lake services, version 2015-02-21+). */
export const stringToSign = (request: SignedRequest, account: string): string => {
  const contentLength = header(request, "content-length")
  const standard = [
    request.method.toUpperCase(),
    header(request, "content-language"),
    header(request, "content-encoding"),
    contentLength === "0" ? "" : contentLength,
    header(request, "content-md5"),
    header(request, "content-type"),
    header(request, "date"),
    header(request, "if-modified-since"),
    header(request, "if-match"),
    header(request, "if-none-match"),
    header(request, "if-unmodified-since"),
    header(request, "range"),
  ]
  const msHeaders = Object.keys(request.headers)
    .filter((name) => name.toLowerCase().startsWith("x-ms-"))
    .sort(compareHeaderNames)
    .map((name) => `${name.toLowerCase()}:${header(request, name).trimStart()}\n`)
    .join("")
  const params = queryParams(request.search)
  const resource = [
    `/${account}${request.pathname || "/"}`,
    ...[...params.keys()].sort().map((key) => `${key}:${[...(params.get(key) ?? [])].sort().join(",")}`),
  ].join("\n")
  return `${standard.join("\n")}\n${msHeaders}${resource}`
}

const hmac = (key: string, text: string): Buffer =>
  createHmac("sha256", Buffer.from(key, "base64")).update(text).digest()

const sameSignature = (expected: Buffer, given: string): boolean => {
  const actual = Buffer.from(given, "base64")
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000

/** Checks an `Authorization: SharedKey account:signature` header the way the storage service does. */
export const verifySharedKey = (request: SignedRequest, account: string, key: string, now: Date): AuthResult => {
  const match = /^SharedKey ([^:]+):(.+)$/.exec(header(request, "authorization"))
  if (!match)
    return refuse("InvalidAuthenticationInfo", "Authentication information is not given in the correct format.")
  if (match[1] !== account) return refuse("AuthenticationFailed", `The account ${match[1]} is not this account.`)
  const date = Date.parse(header(request, "x-ms-date") || header(request, "date"))
  if (Number.isNaN(date)) return refuse("AuthenticationFailed", "Request date header not specified or invalid.")
  if (Math.abs(now.getTime() - date) > MAX_CLOCK_SKEW_MS) {
    return refuse("AuthenticationFailed", "Request date header too old or too far in the future.")
  }
  if (!sameSignature(hmac(key, stringToSign(request, account)), match[2] ?? "")) {
    return refuse(
      "AuthenticationFailed",
      "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
    )
  }
  return OK
}

/** The SAS permission letter an operation needs: r read, w write, d delete, l list, c create. */
export type SasPermission = "r" | "w" | "d" | "l" | "c"

/**
 * Checks an account SAS (`sv`, `ss`, `srt`, `sp`, `se`, `sig` in the query string): its signature,
 * its expiry, the blob service and the permission the operation needs. Service SAS tokens are not
 * served by this emulator.
 */
export const verifyAccountSas = (
  search: string,
  account: string,
  key: string,
  now: Date,
  permission: SasPermission,
): AuthResult => {
  const params = queryParams(search)
  const get = (name: string) => params.get(name)?.[0] ?? ""
  if (get("sr") !== "") return refuse("AuthenticationFailed", "Only account SAS tokens are served by this emulator.")
  const version = get("sv")
  const fields = [account, get("sp"), get("ss"), get("srt"), get("st"), get("se"), get("sip"), get("spr"), version]
  const signed = [...fields, ...(version >= "2020-12-06" ? [get("ses")] : []), ""].join("\n")
  if (!sameSignature(hmac(key, signed), get("sig"))) {
    return refuse(
      "AuthenticationFailed",
      "Server failed to authenticate the request. Make sure the value of the signature is formed correctly.",
    )
  }
  const expiry = Date.parse(get("se"))
  if (Number.isNaN(expiry) || expiry < now.getTime())
    return refuse("AuthenticationFailed", "Signed expiry time has passed.")
  const start = get("st") === "" ? Number.NEGATIVE_INFINITY : Date.parse(get("st"))
  if (!(start <= now.getTime())) return refuse("AuthenticationFailed", "Signed start time is in the future.")
  if (!get("ss").includes("b"))
    return refuse("AuthorizationServiceMismatch", "This SAS does not grant the blob service.")
  if (!get("sp").includes(permission) && !(permission === "c" && get("sp").includes("w"))) {
    return refuse(
      "AuthorizationPermissionMismatch",
      "This request is not authorized to perform this operation using this permission.",
    )
  }
  return OK
}
