// JSON-RPC error codes as go-jsonrpc and Lotus use them (spec/devnet.md §3, spec/protocols.md §1.3).

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** go-jsonrpc's default code for an error a method returns. */
export const METHOD_ERROR = 1;
export const AUTH_ERROR = 401;

/** An error with a JSON-RPC code: thrown by a handler to choose the code, thrown by the client for a server error. */
export class RpcError extends Error {
  override name = "RpcError";
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export type TransportErrorKind = "network" | "timeout" | "closed" | "bad-response";

/** The call's outcome is unknown or unusable: connection failure, timeout, dropped socket, malformed response. */
export class TransportError extends Error {
  override name = "TransportError";
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A token was missing, malformed, badly signed, expired or carried a bad `Allow` claim. */
export class AuthError extends Error {
  override name = "AuthError";
}
