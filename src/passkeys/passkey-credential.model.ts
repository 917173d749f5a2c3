export type DeviceType = 'singleDevice' | 'multiDevice';

/** A WebAuthn credential (passkey) of one user; revoked ones stay, for the audit trail and the UI. */
export interface PasskeyCredential {
  id: string;
  appId: string;
  userId: string;
  /** base64url credential id, as the browser reports it; the public id of a passkey. */
  credentialId: string;
  publicKey: Buffer;
  counter: number;
  transports: string[];
  deviceType: DeviceType;
  backedUp: boolean;
  aaguid: string;
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokeReason: string | null;
}

export function toPublicCredential(c: PasskeyCredential) {
  return {
    id: c.credentialId,
    label: c.label,
    createdAt: new Date(c.createdAt).toISOString(),
    lastUsedAt: c.lastUsedAt ? new Date(c.lastUsedAt).toISOString() : null,
    deviceType: c.deviceType,
    backedUp: c.backedUp,
    transports: c.transports,
    aaguid: c.aaguid,
    status: c.revokedAt ? ('revoked' as const) : ('active' as const),
    revokedAt: c.revokedAt ? new Date(c.revokedAt).toISOString() : null,
  };
}

export type PublicCredential = ReturnType<typeof toPublicCredential>;
