// Staff sign-in against the Cognito user pool named by `config.json`: USER_PASSWORD_AUTH (the password
// goes over TLS to Cognito's endpoint and nowhere else), the pool's challenges (a new password in place
// of a temporary one, a TOTP app to set up, its 6-digit code), then REFRESH_TOKEN_AUTH before the ID
// token expires. Tokens live in sessionStorage (this tab only, gone when it closes), never in a cookie.

const STORAGE_KEY = "civicdesk.staff.session";
const REFRESH_MARGIN_S = 300; // refresh five minutes before the ID token runs out
const TIMEOUT_MS = 20000;
const ISSUER = "Civic Desk"; // the name an authenticator app shows next to the code

// The challenges this console answers; any other (SMS, e-mail code, ...) is refused as "challenge".
export const CHALLENGES = ["NEW_PASSWORD_REQUIRED", "MFA_SETUP", "SOFTWARE_TOKEN_MFA"];

export class SignInError extends Error {
  constructor(kind) {
    super(kind);
    // "credentials" | "challenge" | "password" (the pool's policy refused a new password)
    // | "code" (a wrong or reused TOTP code) | "session" (the challenge ran out: sign in again)
    // | "network" | "service"
    this.kind = kind;
  }
}

// The kind of failure a Cognito error type means to the person signing in.
export function failureKind(type, answering) {
  if (/CodeMismatch|EnableSoftwareTokenMFA|ExpiredCode/.test(type)) return "code";
  if (/InvalidPassword/.test(type)) return "password";
  // While a challenge is answered, a refusal means its session ran out (or was used up).
  if (/NotAuthorized/.test(type)) return answering ? "session" : "credentials";
  if (/UserNotFound|PasswordResetRequired|UserNotConfirmed/.test(type)) return "credentials";
  return "service";
}

// What Cognito's answer asks next: null when it carries the tokens, else the challenge to answer
// (its name, the session that answers it, the username the pool wants in the answer).
export function nextStep(answer, username) {
  if (answer.AuthenticationResult) return null;
  const name = answer.ChallengeName;
  const parameters = answer.ChallengeParameters || {};
  if (!CHALLENGES.includes(name)) throw new SignInError("challenge");
  if (name === "MFA_SETUP" && !canSetUpTotp(parameters.MFAS_CAN_SETUP)) throw new SignInError("challenge");
  // With e-mail sign-in the pool's own username is an id, not the address typed in.
  const who = parameters.USER_ID_FOR_SRP || parameters.USERNAME || username;
  return { name, session: answer.Session, username: who, account: username };
}

// Cognito sends the list as a JSON string ('["SOFTWARE_TOKEN_MFA"]'), the emulator otherwise: look for
// the name, whatever the wrapping.
function canSetUpTotp(list) {
  if (list === undefined) return true;
  return (Array.isArray(list) ? list : [String(list)]).some((entry) => entry.includes("SOFTWARE_TOKEN_MFA"));
}

// The key-URI an authenticator app reads (copied as text: this page loads no QR code library).
export function otpauthUri(secret, account) {
  const label = `${encodeURIComponent(ISSUER)}:${encodeURIComponent(account)}`;
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(ISSUER)}&algorithm=SHA1&digits=6&period=30`;
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

  async call(target, body, answering = false) {
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
    throw new SignInError(failureKind(String(answer.__type || ""), answering));
  }

  // Signs in, or returns the challenge the pool asks first (then `answer` it, step by step).
  async signIn(username, password) {
    const answer = await this.call("InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: this.config.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    });
    return this.settle(answer, username);
  }

  settle(answer, account) {
    const step = nextStep(answer, account);
    if (!step) this.keep(answer.AuthenticationResult);
    return step;
  }

  async respond(step, responses) {
    const answer = await this.call(
      "RespondToAuthChallenge",
      {
        ChallengeName: step.name,
        ClientId: this.config.clientId,
        Session: step.session,
        ChallengeResponses: { USERNAME: step.username, ...responses },
      },
      true,
    );
    return this.settle(answer, step.account);
  }

  // NEW_PASSWORD_REQUIRED: the temporary password is replaced; the pool may ask for MFA next.
  newPassword(step, password) {
    return this.respond(step, { NEW_PASSWORD: password });
  }

  // MFA_SETUP, first half: the pool makes a TOTP secret for this account (the step keeps the session).
  async totpSecret(step) {
    const answer = await this.call("AssociateSoftwareToken", { Session: step.session }, true);
    step.session = answer.Session || step.session;
    const secret = String(answer.SecretCode).toUpperCase(); // base32: apps expect capitals
    return { secret, uri: otpauthUri(secret, step.account) };
  }

  // MFA_SETUP, second half: the first code from the app proves it is set up; then sign-in ends.
  async confirmTotp(step, code) {
    const verified = await this.call(
      "VerifySoftwareToken",
      { Session: step.session, UserCode: code, FriendlyDeviceName: ISSUER },
      true,
    );
    if (verified.Status !== "SUCCESS") throw new SignInError("code");
    return this.respond({ ...step, session: verified.Session || step.session }, {});
  }

  // SOFTWARE_TOKEN_MFA: the code the app shows now.
  totpCode(step, code) {
    return this.respond(step, { SOFTWARE_TOKEN_MFA_CODE: code });
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
