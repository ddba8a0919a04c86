/** The MFA code records through the audit log (core/audit.ts) and is handed the request's client context. */
export type { AuditRecorder as MfaAudit, ClientContext as MfaClientContext } from '../audit.js';
