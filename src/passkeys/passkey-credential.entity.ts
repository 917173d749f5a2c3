import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

export type DeviceType = 'singleDevice' | 'multiDevice';

/** A WebAuthn credential (passkey) of one user; revoked ones stay, for the audit trail and the UI. */
@Entity('passkey_credentials')
@Unique('passkey_credentials_app_credential_uq', ['appId', 'credentialId'])
@Index('passkey_credentials_app_user_idx', ['appId', 'userId', 'createdAt'])
export class PasskeyCredential {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { name: 'app_id' }) appId: string;
  @Column('uuid', { name: 'user_id' }) userId: string;
  /** base64url credential id, as the browser reports it; the public id of a passkey. */
  @Column('text', { name: 'credential_id' }) credentialId: string;
  @Column('bytea', { name: 'public_key' }) publicKey: Buffer;
  @Column('bigint', { transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) counter: number;
  @Column('text', { array: true }) transports: string[];
  @Column('text', { name: 'device_type' }) deviceType: DeviceType;
  @Column('boolean', { name: 'backed_up' }) backedUp: boolean;
  @Column('text') aaguid: string;
  @Column('text') label: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
  @Column('text', { name: 'revoke_reason', nullable: true }) revokeReason: string | null;
}
