// Staff sign-in against the Cognito user pool named by `config.json`: USER_PASSWORD_AUTH (the local
// emulator, and dev where the app client allows it), then REFRESH_TOKEN_AUTH before the ID token
// expires. Tokens live in sessionStorage (this tab only, gone when it closes), never in a cookie.

const STORAGE_KEY = "civicdesk.staff.session";
const REFRESH_MARGIN_S = 300; // refresh five minutes before the ID token runs out
const TIMEOUT_MS = 20000;

export class SignInError extends Error {
  constructor(kind) {
    super(kind);
    this.kind = kind; // "credentials" | "challenge" | "network" | "service"
  }
}

// The claims of a JWT, read (not verified: the API's authorizer verifies every call).
export function claimsOf(token) {
  const part = token.split(".")[1] || "";
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

export class Session {
  constructor(config, onChange) {
    this.config = config;
    this.onChange = onChange; // called with the session's state after sign-in, refresh, sign-out
    this.tokens = null; // {idToken, refreshToken, expiresAt (s)}
    this.timer = null;
  }

  get endpoint() {
    return this.config.endpoint || `https://cognito-idp.${this.config.region}.amazonaws.com/`;
  }

  get signedIn() {
    return Boolean(this.tokens);
  }

  async call(target, body) {
    const controller = new AbortController();
    const timer = window.setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
        },
        body: JSON.stringify(body),
        credentials: "omit",
        referrerPolicy: "no-referrer",
        signal: controller.signal,
      });
    } catch {
      throw new SignInError("network");
    } finally {
      window.clearTimeout(timer);
    }
    const answer = await response.json().catch(() => ({}));
    if (response.ok) return answer;
    const type = String(answer.__type || "");
    const refused = /NotAuthorized|UserNotFound|PasswordResetRequired|UserNotConfirmed/.test(type);
    throw new SignInError(refused ? "credentials" : "service");
  }

  async signIn(username, password) {
    const answer = await this.call("InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: this.config.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    });
    // A new password or an MFA code is asked in the pool's own flow, which this console does not
    // offer yet: say so rather than fail silently.
    if (!answer.AuthenticationResult) throw new SignInError("challenge");
    this.keep(answer.AuthenticationResult);
  }

  keep(result) {
    const idToken = result.IdToken;
    const expiresAt = claimsOf(idToken).exp;
    this.tokens = { idToken, refreshToken: result.RefreshToken || this.tokens?.refreshToken, expiresAt };
    try {
      window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.tokens));
    } catch {
      /* storage disabled: the session lasts as long as the page */
    }
    this.schedule();
    this.onChange(this);
  }

  restore() {
    try {
      const stored = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
      if (stored?.idToken && stored.refreshToken) {
        this.tokens = stored;
        this.schedule();
      }
    } catch {
      this.tokens = null;
    }
    return this.signedIn;
  }

  schedule() {
    window.clearTimeout(this.timer);
    const wait = Math.max(0, this.tokens.expiresAt - REFRESH_MARGIN_S - Date.now() / 1000);
    this.timer = window.setTimeout(() => this.refresh().catch(() => this.signOut()), wait * 1000);
  }

  async refresh() {
    const answer = await this.call("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: this.config.clientId,
      AuthParameters: { REFRESH_TOKEN: this.tokens.refreshToken },
    });
    this.keep(answer.AuthenticationResult);
  }

  // The ID token for the next API call: refreshed first if it is about to run out.
  async idToken() {
    if (!this.tokens) return null;
    if (this.tokens.expiresAt - Date.now() / 1000 < REFRESH_MARGIN_S) await this.refresh();
    return this.tokens.idToken;
  }

  signOut() {
    window.clearTimeout(this.timer);
    const refreshToken = this.tokens?.refreshToken;
    if (refreshToken) {
      // Ends the refresh token at the pool too; the page forgets the tokens whatever the answer.
      this.call("RevokeToken", { ClientId: this.config.clientId, Token: refreshToken }).catch(() => {});
    }
    this.tokens = null;
    try {
      window.sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      /* nothing stored */
    }
    this.onChange(this);
  }
}
