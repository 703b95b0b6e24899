/** Anything that can answer header look-ups: a Fetch `Headers`, a Node `IncomingHttpHeaders` or a plain record. */
export type HeadersLike =
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

/** The framework-free request every Tollgate handler takes. The body arrives raw and unparsed. */
export interface TollgateRequest {
  /** HTTP method, any case. */
  method: string;
  /** Absolute URL, or path with query (`/oauth/token?x=1`). */
  url: string | URL;
  headers: HeadersLike;
  /** Raw body bytes or text; absent for bodiless requests. */
  body?: string | Uint8Array | undefined;
}

/** The framework-free response every Tollgate handler returns. */
export interface TollgateResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** `Set-Cookie` values, one per cookie (kept apart because they cannot be joined into one header). */
  cookies?: string[];
}

/** Read one header case-insensitively; repeated Node headers are joined with `, ` and so never match a single value. */
export function getHeader(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const value = (headers as { get(name: string): string | null }).get(name);
    return value ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  const lower = name.toLowerCase();
  let value = Object.prototype.hasOwnProperty.call(record, lower) ? record[lower] : undefined;
  if (value === undefined) {
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === lower) {
        value = record[key];
        break;
      }
    }
  }
  if (Array.isArray(value)) return value.join(', ');
  return value;
}

const PLACEHOLDER_ORIGIN = 'http://tollgate.invalid';

/** Parse a request URL that may be only a path. Returns `undefined` for garbage. */
export function requestUrl(url: string | URL): URL | undefined {
  if (url instanceof URL) return url;
  try {
    return new URL(url, PLACEHOLDER_ORIGIN);
  } catch {
    return undefined;
  }
}
