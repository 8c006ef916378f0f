// The staff API over fetch, for every console page: the member's token, a time limit, no cookies and
// no referrer, and one error type a page can tell apart (status 0: no connection).

const TIMEOUT_MS = 20000;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status; // 0: no connection
    this.body = body;
  }
}

// One call with `token`; the answer is the page's to read. A JSON `body` is sent as JSON.
export async function send(path, token, { method = "GET", body, headers = {}, accept = "application/json" } = {}) {
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    return await fetch(path, {
      method,
      headers: {
        Accept: accept,
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      referrerPolicy: "no-referrer",
      signal: controller.signal,
    });
  } catch {
    throw new ApiError(0, null);
  } finally {
    window.clearTimeout(timer);
  }
}
