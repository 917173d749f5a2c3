export type CeremonyKind = 'registration' | 'authentication';

/** One WebAuthn challenge; single use, consumed by one conditional UPDATE. */
export interface NewCeremony {
  id: string;
  appId: string;
  kind: CeremonyKind;
  challenge: string;
  userId: string | null;
  /** A registration is bound to the token that started it. */
  tokenJti: string | null;
  expiresAt: Date;
}

/** Who may finish a ceremony: the same application and kind, and for a registration the same user and token. */
export interface CeremonyOwner {
  appId: string;
  kind: CeremonyKind;
  userId?: string;
  tokenJti?: string;
}

export interface ConsumedCeremony {
  challenge: string;
  userId: string | null;
}
