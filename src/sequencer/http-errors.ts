/**
 * The API's one error format, `{ error: { code, message } }`, for every error a request can
 * meet: the service's own (`ApiError`), fastify's (body parsing, routing, URL decoding) and
 * Node's HTTP parser's (a request it cannot read, before fastify sees it). `errorAnswer`
 * maps any of them to a status, a code and a message (and the plain fields an ApiError
 * carries besides, e.g. a limit); the server sends that and nothing else. Codes are
 * lower_snake_case and listed with the API in the README.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";

import { ApiError } from "./ingest";

export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
  /** Sent next to `code` and `message` (e.g. a limit the request exceeded). */
  details?: Record<string, string | number | boolean>;
}

/** An ApiError's own fields that are not details. */
const API_ERROR_FIELDS = new Set(["status", "code", "message", "retryAfterSeconds", "stack", "name"]);

/** fastify's errors the API names itself, with a message that does not echo the input. */
const FASTIFY_ERRORS: Record<string, [number, string, string?]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, "body_too_large"],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, "unsupported_media_type", "the body must be application/json"],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, "invalid_json"],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, "invalid_json"],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, "invalid_json"],
  FST_ERR_BAD_URL: [400, "bad_url", "the URL is not validly percent-encoded (UTF-8)"],
  FST_ERR_MAX_PARAM_LENGTH: [414, "uri_too_long", "a path segment is longer than any id served here"],
};

/** Node's HTTP parser errors (`clientError`); any other is a 400 `bad_request`. */
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, "headers_too_large", "the request's headers are too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "request_timeout", "the request took too long to arrive"],
};

/** Codes of other 4xx statuses fastify may raise. */
const BY_STATUS: Record<number, string> = {
  400: "bad_request",
  404: "not_found",
  405: "method_not_allowed",
  408: "request_timeout",
  413: "body_too_large",
  414: "uri_too_long",
  415: "unsupported_media_type",
  431: "headers_too_large",
};

/** The status, code and message the API answers `err` with (500 `internal` if unknown). */
export function errorAnswer(err: unknown): ErrorAnswer {
  if (err instanceof ApiError) {
    // Any other plain field the error carries is a detail of the answer.
    const details = Object.fromEntries(
      Object.entries(err).filter(
        ([k, v]) => !API_ERROR_FIELDS.has(k) && ["string", "number", "boolean"].includes(typeof v),
      ),
    ) as ErrorAnswer["details"];
    return {
      status: err.status,
      code: err.code,
      message: err.message,
      retryAfterSeconds: err.retryAfterSeconds,
      details,
    };
  }
  const e = (err ?? {}) as { code?: unknown; statusCode?: unknown; message?: unknown };
  const message = typeof e.message === "string" && e.message !== "" ? e.message : "bad request";
  const known = typeof e.code === "string" ? FASTIFY_ERRORS[e.code] : undefined;
  if (known) return { status: known[0], code: known[1], message: known[2] ?? message };
  if (err instanceof SyntaxError) return { status: 400, code: "invalid_json", message };
  const status = typeof e.statusCode === "number" ? e.statusCode : 500;
  if (status >= 400 && status < 500) return { status, code: BY_STATUS[status] ?? "bad_request", message };
  return { status: 500, code: "internal", message: "internal error" };
}

/** The answer to a request Node's HTTP parser rejected (no fastify request exists). */
export function clientErrorAnswer(err: { code?: string; message?: string }): ErrorAnswer {
  const known = err.code !== undefined ? CLIENT_ERRORS[err.code] : undefined;
  if (known) return { status: known[0], code: known[1], message: known[2] };
  return {
    status: 400,
    code: "bad_request",
    message: `not a valid HTTP request (${err.message ?? err.code ?? "parse error"})`,
  };
}

/** Writes `answer` as a raw HTTP response on `socket` and ends it. */
export function writeErrorToSocket(socket: Socket, answer: ErrorAnswer): void {
  const body = JSON.stringify({ error: { code: answer.code, message: answer.message } });
  if (!socket.writable) return void socket.destroy();
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? "Error"}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}
