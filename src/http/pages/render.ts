import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ScopePolicy } from '../../core/scopes.js';
import { isAdmin } from './page-session.js';

/** What a form page needs to render itself again after a failure (see page-errors.ts). */
export interface FormPage {
  view: string;
  title: string;
  /** Data the view needs besides the common context (e.g. the token of a reset form). */
  context?: (req: FastifyRequest) => Promise<Record<string, unknown>>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The page a POST route's form lives on: errors render it again with a message. */
    form?: FormPage;
  }
  interface FastifyReply {
    /** Renders a page in the layout with the common context (product name, CSRF token, who is signed in). */
    page(view: string, title: string, data?: Record<string, unknown>): Promise<FastifyReply>;
  }
}

export interface PageGlobals { product: string; stylesheet: string; script: string; scopePolicy: ScopePolicy }

/** Form fields never echoed back into a page: secrets (passwords, tokens, codes) and the CSRF token. */
const SECRET_FIELD = /password|token|code|secret|_csrf/i;

/** The non-secret fields of a posted form, to fill it in again after a failure. */
export function echoedValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string' && !SECRET_FIELD.test(k)) out[k] = v;
  return out;
}

export function pageRenderer(globals: PageGlobals) {
  return async function page(this: FastifyReply, view: string, title: string, data: Record<string, unknown> = {}) {
    const req = this.request;
    return this.view(view, {
      ...globals, title, values: {}, error: null, notice: null, ...data,
      csrf: this.generateCsrf(), user: req.currentUser, admin: isAdmin(req, globals.scopePolicy),
    });
  };
}
