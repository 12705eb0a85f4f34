import { sessionToken } from "./SalesforceIds.js"

/** Who may log in to the emulated org, and the org's own ids. */
export interface OrgUser {
  readonly username: string
  readonly password: string
  readonly securityToken: string
  /** When set, the OAuth2 token endpoint only accepts this connected app. */
  readonly clientId: string | undefined
  readonly clientSecret: string | undefined
}

export const ORG_ID = "00D5g00000EMULAT0"
export const USER_ID = "0055g00000EMULATR"

const INVALID_LOGIN = "Invalid username, password, security token; or user locked out."

const xmlText = (xml: string, tag: string): string | undefined => {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)
  return match?.[1]
    ?.replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&")
}

const envelope = (body: string) =>
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
  ' xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
  ` xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`

export interface AuthAnswer {
  readonly status: number
  readonly contentType: string
  readonly body: string
}

/**
 * Sessions of the emulated org: SOAP `login` (password and security token joined, as jsforce
 * sends them) and the OAuth2 username-password flow both open one; `expire` ends them all, so
 * the next API call answers INVALID_SESSION_ID.
 */
export class SalesforceSessions {
  private readonly live = new Set<string>()
  logins = 0

  constructor(private readonly user: OrgUser) {}

  isValid(token: string | undefined): boolean {
    return token !== undefined && this.live.has(token)
  }

  expire(): void {
    this.live.clear()
  }

  /** A session as if opened elsewhere (a token handed over in SF_ACCESS_TOKEN). */
  issue(): string {
    const token = sessionToken(ORG_ID)
    this.live.add(token)
    return token
  }

  private open(): string {
    const token = sessionToken(ORG_ID)
    this.live.add(token)
    this.logins += 1
    return token
  }

  private accepts(username: string | undefined, password: string | undefined): boolean {
    return username === this.user.username && password === this.user.password + this.user.securityToken
  }

  soapLogin(requestBody: string, baseUrl: string, version: string): AuthAnswer {
    if (!this.accepts(xmlText(requestBody, "username"), xmlText(requestBody, "password"))) {
      return {
        status: 500,
        contentType: "text/xml; charset=utf-8",
        body: envelope(
          `<soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: ${INVALID_LOGIN}</faultstring>` +
            '<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>' +
            `<sf:exceptionMessage>${INVALID_LOGIN}</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>`,
        ),
      }
    }
    const sessionId = this.open()
    return {
      status: 200,
      contentType: "text/xml; charset=utf-8",
      body: envelope(
        "<loginResponse><result>" +
          `<metadataServerUrl>${baseUrl}/services/Soap/m/${version}/${ORG_ID}</metadataServerUrl>` +
          "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>" +
          `<serverUrl>${baseUrl}/services/Soap/u/${version}/${ORG_ID}</serverUrl>` +
          `<sessionId>${sessionId}</sessionId><userId>${USER_ID}</userId>` +
          `<userInfo><organizationId>${ORG_ID}</organizationId><userName>${this.user.username}</userName></userInfo>` +
          "</result></loginResponse>",
      ),
    }
  }

  oauthToken(requestBody: string, baseUrl: string): AuthAnswer {
    const form = new URLSearchParams(requestBody)
    const json = (status: number, value: unknown) => ({
      status,
      contentType: "application/json;charset=UTF-8",
      body: JSON.stringify(value),
    })
    if (form.get("grant_type") !== "password") {
      return json(400, { error: "unsupported_grant_type", error_description: "grant type not supported" })
    }
    if (
      (this.user.clientId !== undefined && form.get("client_id") !== this.user.clientId) ||
      (this.user.clientSecret !== undefined && form.get("client_secret") !== this.user.clientSecret)
    ) {
      return json(400, { error: "invalid_client", error_description: "invalid client credentials" })
    }
    if (!this.accepts(form.get("username") ?? undefined, form.get("password") ?? undefined)) {
      return json(400, { error: "invalid_grant", error_description: "authentication failure" })
    }
    return json(200, {
      access_token: this.open(),
      instance_url: baseUrl,
      id: `${baseUrl}/id/${ORG_ID}/${USER_ID}`,
      token_type: "Bearer",
      issued_at: String(Date.now()),
      signature: "emulated",
    })
  }
}
