/** Who/where a request came from (the audit module's ClientContext, taken structurally). */
export interface MfaClientContext { face?: string; ip?: string | null; userAgent?: string | null; actorId?: string | null }

/** The audit recorder, taken structurally so this module needs nothing of the audit module's. */
export interface MfaAudit {
  record(e: { type: string; userId: string | null; detail?: Record<string, unknown> }, ctx?: MfaClientContext): Promise<void>;
}
