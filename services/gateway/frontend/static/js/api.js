// The public API, called with the signed-in user's key. Errors arrive as ApiError carrying
// the RFC 9457 problem (title, detail, code, errors, request_id, and any extra members).
import { session } from "./session.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

function url(path, query) {
  const target = new URL(`/api/${path}`, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") target.searchParams.set(name, value);
  }
  return target;
}

function headers(extra = {}, key = session.key()) {
  const all = { Accept: "application/json, application/problem+json", ...extra };
  if (key) all.Authorization = `Bearer ${key}`;
  return all;
}

async function problemOf(response) {
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      // fall through: not the JSON it claimed to be
    }
  }
  return { status: response.status, title: response.statusText, code: `http-${response.status}` };
}

async function send(method, path, { json, query, extraHeaders, key } = {}) {
  const init = { method, headers: headers(extraHeaders, key), cache: "no-store" };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(url(path, query), init);
  } catch {
    throw new ApiError(0, { code: "network" });
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return response;
}

export async function request(method, path, options = {}) {
  const response = await send(method, path, options);
  const body = response.status === 204 ? null : await response.json();
  return { data: body, headers: response.headers };
}

export const get = async (path, query, options = {}) =>
  (await request("GET", path, { ...options, query })).data;
export const post = async (path, json, options = {}) =>
  (await request("POST", path, { ...options, json })).data;

/** Every item of a paginated list, up to ``limit`` items. */
export async function allPages(path, query = {}, limit = 500) {
  const items = [];
  for (let page = 1; items.length < limit; page += 1) {
    const answer = await get(path, { ...query, page, page_size: 100 });
    items.push(...answer.items);
    if (items.length >= answer.total || answer.items.length === 0) break;
  }
  return items;
}

/** A file (PDF) as a Blob, fetched with the key (a plain link could not send it). */
export async function file(path) {
  const response = await send("GET", path, { extraHeaders: { Accept: "application/pdf, application/problem+json" } });
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return { blob: await response.blob(), name: name ? name[1] : path.split("/").pop() };
}

/** A file (PDF) made to order from a POSTed body (asset-tag labels), as a Blob. */
export async function postedFile(path, json) {
  const response = await send("POST", path, { json, extraHeaders: { Accept: "application/pdf, application/problem+json" } });
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return { blob: await response.blob(), name: name ? name[1] : `${path.split("/").pop()}.pdf` };
}

/** PUT a CSV file with upload progress (fetch cannot report it; XMLHttpRequest can). */
export function uploadCsv(path, body, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url(path));
    for (const [name, value] of Object.entries(headers({ "Content-Type": "text/csv" }))) {
      xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener("load", () => {
      let answer = {};
      try {
        answer = JSON.parse(xhr.responseText || "{}");
      } catch {
        answer = { code: `http-${xhr.status}` };
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(answer);
      else reject(new ApiError(xhr.status, answer));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, { code: "network" })));
    xhr.send(body);
  });
}

function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs HTTPS
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * One Idempotency-Key per thing a form creates: sending the same body again (a retry after
 * a failure whose answer never came) reuses the key, so the API creates it once only.
 */
export function idempotency() {
  let last = null;
  return (body) => {
    const text = JSON.stringify(body);
    if (!last || last.text !== text) last = { text, key: randomKey() };
    return { "Idempotency-Key": last.key };
  };
}
