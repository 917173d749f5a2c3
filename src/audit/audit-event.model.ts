/** One audit event as the app backend reads it. `id` is a bigint, kept as a string. */
export interface AuditEvent {
  id: string;
  type: string;
  actor: string;
  externalUserId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface AuditFilter {
  externalUserId?: string;
  type?: string;
  /** Only events older than this id (the previous page's last). */
  beforeId?: string;
  limit: number;
}
