const ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
const SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

/**
 * The three characters Salesforce appends to a 15-character id so that it stays unique when
 * compared case-insensitively: one per block of five, each bit saying which letters are upper case.
 */
export const idSuffix = (id15: string): string => {
  let suffix = ""
  for (let block = 0; block < 3; block++) {
    let flags = 0
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(block * 5 + i)
      if (c >= 65 && c <= 90) flags |= 1 << i
    }
    suffix += SUFFIX_CHARS[flags]
  }
  return suffix
}

/**
 * Hands out 18-character ids the way an org does: a three-character key prefix naming the object
 * (`750` for Bulk jobs, `a0B` for a custom object), a pod and a counter, then the checksum suffix.
 */
export const idGenerator = (keyPrefix: string) => {
  let counter = 0
  return (): string => {
    counter += 1
    let n = counter
    let body = ""
    for (let i = 0; i < 9; i++) {
      body = (ID_CHARS[n % 62] as string) + body
      n = Math.floor(n / 62)
    }
    const id15 = `${keyPrefix}5g0${body}`
    return id15 + idSuffix(id15)
  }
}

/** A random session token in the shape of a Salesforce one: `{orgId}!{secret}`. */
export const sessionToken = (orgId: string): string => {
  let secret = ""
  for (let i = 0; i < 96; i++) secret += ID_CHARS[Math.floor(Math.random() * 62)]
  return `${orgId.slice(0, 15)}!${secret}`
}
